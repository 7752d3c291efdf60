package io.tracker.core.config;

import java.util.List;

/**
 * Nodes of one cluster telling each other what their caches and in-flight rows must forget (over NATS core
 * publish/subscribe): a short link created or deleted on one node is followed correctly by every node at once, and an
 * erasure drops the subject's queued rows on every node, not only the one that answered it.
 *
 * @param natsServers NATS servers of the cluster's bus (empty: a single node, nothing sent)
 * @param subject     the subject the nodes share
 * @param nodes       how many trackers a load balancer spreads clients across: rate limits are kept per node (a
 *                    shared counter would cost every request a round trip), so each node enforces
 *                    {@code rateLimit.*} divided by this (1: a single node, or a balancer that pins each client IP
 *                    to one node)
 */
public record ClusterConfig(List<String> natsServers, String subject, int nodes) {

    public ClusterConfig {
        nodes = nodes == 0 ? 1 : nodes; // (absent)
        natsServers = natsServers == null ? List.of() : List.copyOf(natsServers);
        subject = subject == null || subject.isBlank() ? "tracker.cluster" : subject;
    }

    public static ClusterConfig standard() {
        return new ClusterConfig(List.of(), "tracker.cluster", 1);
    }

    public boolean enabled() {
        return !natsServers.isEmpty();
    }

    void validate(Validation v) {
        v.range("cluster.nodes", nodes, 1, 1_000);
        for (int i = 0; i < natsServers.size(); i++) {
            String s = natsServers.get(i);
            if (s == null || !(s.startsWith("nats://") || s.startsWith("tls://"))) {
                v.fail("cluster.natsServers[" + i + "]", "must be a nats:// or tls:// URL");
            }
        }
        if (!subject.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
            v.fail("cluster.subject", "letters, digits, '.', '-' and '_' only (no wildcards)");
        }
    }
}
