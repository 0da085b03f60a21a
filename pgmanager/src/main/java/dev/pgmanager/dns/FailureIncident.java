package dev.pgmanager.dns;

import org.slf4j.Logger;

/**
 * Turns a run of failed lookups of one name into one warning when it starts and one line when it ends, so that a
 * DNS outage reads as an incident in the log instead of a warning every pass of the control loop.
 */
final class FailureIncident {

    private final Logger log;
    private final String name;
    private long failedLookups;

    FailureIncident(Logger log, String name) {
        this.log = log;
        this.name = name;
    }

    synchronized void failed(String reason, String consequence) {
        if (failedLookups++ == 0) {
            log.warn("DNS lookup of {} failed ({}); {}", name, reason, consequence);
        } else {
            log.debug("DNS lookup of {} failed again ({}); {}", name, reason, consequence);
        }
    }

    synchronized void succeeded() {
        if (failedLookups > 0) {
            log.info("DNS answers for {} again, after {} failed lookup(s)", name, failedLookups);
            failedLookups = 0;
        }
    }
}
