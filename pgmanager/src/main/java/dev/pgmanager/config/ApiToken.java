package dev.pgmanager.config;

/**
 * The API token when none is set ({@code api.token}, {@code PGMANAGER_API_TOKEN}): derived from the cluster's name and
 * the superuser password, as the store secret is ({@link StoreSecret}), so that a cluster created by {@code fly pg
 * create}, which sets only Fly's three passwords, has a token every member and every operator shell on a member can
 * compute, and nobody without the superuser password can. {@code OPERATOR_PASSWORD} was the token once; it is now the
 * password of the role {@code postgres}, as in Fly's postgres-flex.
 */
public final class ApiToken {
    private static final String CONTEXT = "pgmanager api token v1:";

    private ApiToken() {}

    public static String derive(String app, String superuserPassword) {
        return StoreSecret.derive(CONTEXT, app, superuserPassword);
    }
}
