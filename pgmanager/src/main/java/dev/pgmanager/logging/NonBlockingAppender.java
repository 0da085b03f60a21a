package dev.pgmanager.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands the sidecar's log lines to a thread of their own, so that a thread that logs never waits for the output: a full
 * pipe to a log shipper that stalled, or a disk in a writeback storm, could otherwise hold up the lease's threads, the
 * fencing reflex and the watchdog's feeder for as long as the write takes (Patroni logs from a queue for the same
 * reason). Lines wait in a bounded queue; when it is four-fifths full, INFO and quieter lines are dropped first, and when
 * it is full, every line. The next line that finds room says how many were dropped.
 */
final class NonBlockingAppender extends AsyncAppender {
    static final int QUEUE_SIZE = 4096;
    /** How long a stop waits for the queued lines to be written (the sidecar's stop, after its last line). */
    private static final int FLUSH_MILLIS = 2000;

    private final AtomicLong dropped = new AtomicLong();

    NonBlockingAppender(LoggerContext context, Appender<ILoggingEvent> output) {
        setContext(context);
        setName("NON_BLOCKING");
        setQueueSize(QUEUE_SIZE);
        setNeverBlock(true);
        setMaxFlushTime(FLUSH_MILLIS);
        addAppender(output);
    }

    /** The lines dropped since the last notice (an estimate: the queue may fill between the look and the offer). */
    long dropped() {
        return dropped.get();
    }

    @Override
    protected void append(ILoggingEvent event) {
        int room = getRemainingCapacity();
        if (room == 0 || (room < getDiscardingThreshold() && isDiscardable(event))) {
            dropped.incrementAndGet();
            return;
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) super.append(droppedNotice(lost));
        super.append(event);
    }

    private ILoggingEvent droppedNotice(long lost) {
        LoggerContext context = (LoggerContext) getContext();
        return new LoggingEvent(NonBlockingAppender.class.getName(), context.getLogger(NonBlockingAppender.class), Level.WARN,
                "{} log lines were dropped: the log output did not keep up (a blocked pipe or a stalled disk)", null,
                new Object[] {lost});
    }
}
