package dev.mlops.core.config;

import static java.util.Objects.requireNonNull;

/** A JDBC URL with credentials (the password is never printed). */
public record JdbcTarget(String url, String user, String password) {
    public JdbcTarget {
        requireNonNull(url, "url is null");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("expected a jdbc:postgresql: URL, got '" + url + "'");
        }
    }

    @Override
    public String toString() {
        return url + (user == null ? "" : " as " + user);
    }
}
