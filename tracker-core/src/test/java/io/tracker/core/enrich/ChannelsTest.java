package io.tracker.core.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GA4's default channels from real utm sets, click ids and referrers. */
class ChannelsTest {
    private final Channels channels = new Channels(Channels.BUILT_IN, List.of("shop.example", ".example.org"));

    @ParameterizedTest(name = "{0}/{1}/{2} ids={3} ref={4} -> {5}")
    @CsvSource(nullValues = "-", value = {
            // utm sets
            "google,cpc,spring_sale,-,-,Paid Search",
            "bing,ppc,-,-,-,Paid Search",
            "facebook,paid_social,-,-,-,Paid Social",
            "ig,cpc,-,-,-,Paid Social",
            "youtube,cpv,-,-,-,Paid Video",
            "amazon,cpc,-,-,-,Paid Shopping",
            "google,cpc,black-friday-shopping,-,-,Paid Shopping",
            "dv360,display,-,-,-,Display",
            "adnetwork,cpm,-,-,-,Display",
            "taboola,paid,-,-,-,Paid Other",
            "partner,cross-network,pmax cross-network,-,-,Cross-network",
            "facebook,social,-,-,-,Organic Social",
            "mastodon,-,-,-,-,Organic Social",
            "partner,social-media,-,-,-,Organic Social",
            "youtube,-,-,-,-,Organic Video",
            "partner,video,-,-,-,Organic Video",
            "duckduckgo,organic,-,-,-,Organic Search",
            "partner,organic,-,-,-,Organic Search",
            "etsy,-,-,-,-,Organic Shopping",
            "newsletter,email,-,-,-,Email",
            "mailchimp,-,-,-,-,Email",
            "e-mail,-,-,-,-,Email",
            "partner,referral,-,-,-,Referral",
            "mailchimp,referral,-,-,-,Referral",
            "-,-,-,-,android-app://com.google.android.gm/,Email",
            "partner,affiliate,-,-,-,Affiliates",
            "podcast,audio,-,-,-,Audio",
            "sms,-,-,-,-,SMS",
            "firebase,-,-,-,-,Mobile Push Notifications",
            "app,web_push,-,-,-,Mobile Push Notifications",
            "chatgpt.com,-,-,-,-,AI Assistants",
            "perplexity,referral,-,-,-,AI Assistants",
            "(direct),(none),-,-,-,Direct",
            "somewhere,something,-,-,-,Unassigned",
            // click ids without utm
            "-,-,-,gclid,-,Paid Search",
            "-,-,-,msclkid,-,Paid Search",
            "-,-,-,wbraid,https://www.google.com/,Paid Search",
            "-,-,-,dclid,-,Display",
            "facebook,cpc,-,fbclid,-,Paid Social",
            "-,-,-,fbclid,https://l.facebook.com/,Organic Social",
            // referrers
            "-,-,-,-,www.google.co.uk,Organic Search",
            "-,-,-,-,www.bing.com,Organic Search",
            "-,-,-,-,search.brave.com,Organic Search",
            "-,-,-,-,duckduckgo.com,Organic Search",
            "-,-,-,-,t.co,Organic Social",
            "-,-,-,-,lm.facebook.com,Organic Social",
            "-,-,-,-,news.ycombinator.com,Organic Social",
            "-,-,-,-,www.reddit.com,Organic Social",
            "-,-,-,-,m.youtube.com,Organic Video",
            "-,-,-,-,mail.google.com,Email",
            "-,-,-,-,outlook.live.com,Email",
            "-,-,-,-,chatgpt.com,AI Assistants",
            "-,-,-,-,gemini.google.com,AI Assistants",
            "-,-,-,-,www.perplexity.ai,AI Assistants",
            "-,-,-,-,claude.ai,AI Assistants",
            "-,-,-,-,www.amazon.de,Organic Shopping",
            "-,-,-,-,blog.example.net,Referral",
            "-,-,-,-,www.shop.example,Internal",
            "-,-,-,-,docs.example.org,Internal",
            "-,-,-,-,-,Direct",
    })
    void channelOfAHit(String source, String medium, String campaign, String clickId, String referrer, String expected) {
        String host = referrer == null ? null : Channels.host(referrer);
        assertEquals(expected, channels.channel(source, medium, campaign,
                clickId == null ? Set.of() : Set.of(clickId), host, "shop.example"));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "https://www.Google.com/search?q=x,www.google.com",
            "http://user:pw@Example.com:8443/a,example.com",
            "//cdn.example/x,cdn.example",
            "news.ycombinator.com/item?id=1,news.ycombinator.com",
            "android-app://com.google.android.gm/,com.google.android.gm",
            "https://example.com./,example.com",
            "https://[2001:db8::1]:8080/,[2001:db8::1]",
            "'',-",
            "https://exa mple.com/,-",
    })
    void referrerHosts(String url, String host) {
        assertEquals(host, Channels.host(url));
    }

    @Test
    void theMostSpecificListedHostWins() {
        assertEquals(Channels.Category.EMAIL, channels.category("mail.google.com"));
        assertEquals(Channels.Category.AI, channels.category("gemini.google.com"));
        assertEquals(Channels.Category.SEARCH, channels.category("www.google.com.br"));
        assertNull(channels.category("example.ask"), "a top-level label is not a source name");
        assertNull(channels.category("googleusercontent-lookalike.net"));
    }

    @Test
    void aDomainsFileAddsSources(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sources.txt");
        Files.writeString(f, "# ours\nsearch intranet-search.corp\nsocial fediverse\n");
        Channels c = Channels.load(f.toString(), List.of());
        assertEquals("Organic Search", c.channel(null, null, null, Set.of(), "intranet-search.corp", "shop.example"));
        assertEquals("Organic Social", c.channel(null, null, null, Set.of(), "my.fediverse.town", "shop.example"));
        Files.writeString(f, "news example.com\n");
        assertThrows(java.io.IOException.class, () -> Channels.load(f.toString(), List.of()));
    }
}
