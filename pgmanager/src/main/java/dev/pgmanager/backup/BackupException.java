package dev.pgmanager.backup;

import dev.pgmanager.postgres.CommandFailedException;

/** A backup, archive or restore step failed; the message says which, what pgBackRest said, and what to check. */
public final class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    private BackupException(String message, Throwable cause) {
        super(message, cause);
    }

    static BackupException from(String command, CommandFailedException e) {
        String said = e.briefly();
        return new BackupException("pgbackrest " + command + " failed: " + said + hint(e.outputTail()), e);
    }

    /** pgBackRest's errors for the usual mistakes name HTTP codes and S3 words; say what they mean for the operator. */
    static String hint(String output) {
        if (output.contains("NoSuchBucket")) {
            return " (the bucket does not exist: create it, e.g. fly storage create, or fix backup.bucket / BUCKET_NAME)";
        }
        if (output.contains("InvalidAccessKeyId") || output.contains("SignatureDoesNotMatch") || output.contains("AccessDenied")
                || output.contains("403")) {
            return " (the object storage refused the keys: check backup.access_key_id and backup.secret_access_key, "
                    + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)";
        }
        if (output.contains("unable to connect") || output.contains("unable to get address") || output.contains("timeout")) {
            return " (the object storage cannot be reached: check backup.endpoint / AWS_ENDPOINT_URL_S3 and the network)";
        }
        if (output.contains("certificate")) {
            return " (the endpoint's TLS certificate is not trusted: set backup.ca_file to the CA that signed it)";
        }
        return "";
    }
}
