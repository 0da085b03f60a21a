package dev.pgmanager.doctor;

import java.util.List;

/** One thing the doctor examines, over facts gathered once for all checks. */
public interface Check {

    /** The stable name findings carry ({@link Finding#check()}); scripts match on it. */
    String name();

    /** What this check finds; at least one finding per subject it could examine, an OK one when all is well. */
    List<Finding> examine(ClusterFacts facts);
}
