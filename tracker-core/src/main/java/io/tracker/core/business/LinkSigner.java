package io.tracker.core.business;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed redirect targets: {@code sig} = base64url(HMAC-SHA256(target)) under the server's link key, so
 * {@code /tr/v1/rdr/?url=…&sig=…} sends a browser only where somebody holding the key chose — never an open redirect,
 * whatever {@code links.allowedHosts} lists. Made by {@code tracker sign-url} and {@code POST /tr/v1/rpi/sign}.
 */
public final class LinkSigner {
    private final byte[] key;

    public LinkSigner(byte[] key) {
        this.key = key.clone();
    }

    public String sign(String url) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(url));
    }

    public boolean verify(String url, String sig) {
        if (url == null || sig == null) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(sig.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(url), given);
    }

    /** {@code /tr/v1/rdr/?url=<target>&sig=<signature>}, ready to put in a mail or a page. */
    public String trackedLink(String url) {
        return "/tr/v1/rdr/?url=" + java.net.URLEncoder.encode(url, StandardCharsets.UTF_8) + "&sig=" + sign(url);
    }

    private byte[] mac(String url) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(("rdr\n" + url).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
