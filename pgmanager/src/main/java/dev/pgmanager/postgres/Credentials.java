package dev.pgmanager.postgres;

import java.util.Objects;

/** A PostgreSQL role name and its password. The password never appears in {@link #toString()}. */
public record Credentials(String user, String password) {
    public Credentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isBlank()) {
            throw new IllegalArgumentException("role name must not be blank");
        }
    }

    @Override
    public String toString() {
        return user + " (password hidden)";
    }
}
