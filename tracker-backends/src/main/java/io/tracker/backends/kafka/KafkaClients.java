package io.tracker.backends.kafka;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/** The connection and security properties every Kafka client of the tracker starts from (session and consumers). */
public final class KafkaClients {
    private KafkaClients() {
    }

    public static Properties common(List<String> bootstrapServers, String clientId, String securityProtocol,
                                    String saslMechanism, String user, String password, int requestTimeoutMillis) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", bootstrapServers));
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMillis);
        if (securityProtocol.startsWith("SASL") && !user.isEmpty()) {
            p.put(SaslConfigs.SASL_MECHANISM, saslMechanism);
            String module = saslMechanism.equals("PLAIN")
                    ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            // sasl.jaas.config is a Password in the client's config: its logs show [hidden].
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaas(user) + "\" password=\""
                    + jaas(password) + "\";");
        }
        return p;
    }

    private static String jaas(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
