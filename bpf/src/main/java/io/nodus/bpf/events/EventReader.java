package io.nodus.bpf.events;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.nodus.bpf.libbpf.BpfException;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.Errno;
import io.nodus.bpf.libbpf.LibBpf;
import io.nodus.bpf.libbpf.MapType;
import io.nodus.bpf.libbpf.Native;

import jnr.ffi.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code nodus_events} with libbpf's ring buffer API and hands each decoded {@link
 * DatapathEvent} to a consumer.
 *
 * <p>Threading: one dedicated daemon platform thread ({@code nodus-events}) polls the ring buffer
 * and calls the consumer; the consumer must be quick (hand work over to a queue) and must not
 * block, or the kernel side fills up and counts lost events. Record bytes are copied out during
 * the callback, because libbpf reuses the memory once it returns. {@link #close()} stops the thread
 * and then frees the ring buffer. A pinned ring buffer keeps unread events across restarts.
 */
public final class EventReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventReader.class);
    private static final int POLL_TIMEOUT_MS = 100;

    private final Pointer ringBuffer;
    private final Consumer<DatapathEvent> consumer;
    /** Strong reference: libbpf keeps only the function pointer. */
    private final LibBpf.SampleCallback callback;
    private final Thread thread;
    /** The map handle this reader owns and closes after the ring buffer is freed, if any. */
    private final BpfMap ownedMap;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean running = true;

    private EventReader(BpfMap events, Consumer<DatapathEvent> consumer, boolean ownsMap) {
        if (events.type() != MapType.RINGBUF) {
            throw new IllegalArgumentException("not a ring buffer: " + events);
        }
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.callback = this::onSample;
        this.ringBuffer = Native.libbpf().ring_buffer__new(events.fd(), callback, null, null);
        if (ringBuffer == null) {
            throw new BpfException("ring_buffer__new " + events.name(), Native.lastErrno());
        }
        this.ownedMap = ownsMap ? events : null;
        this.thread = Thread.ofPlatform().name("nodus-events").daemon().unstarted(this::pollLoop);
    }

    /**
     * Starts reading; events already queued in a pinned ring buffer are delivered first. The map
     * handle must stay open while the reader runs.
     */
    public static EventReader start(BpfMap events, Consumer<DatapathEvent> consumer) {
        EventReader reader = new EventReader(events, consumer, false);
        reader.thread.start();
        return reader;
    }

    /** As {@link #start}, taking ownership of {@code events}: closed when the reader stops. */
    public static EventReader startOwning(BpfMap events, Consumer<DatapathEvent> consumer) {
        EventReader reader;
        try {
            reader = new EventReader(events, consumer, true);
        } catch (RuntimeException e) {
            events.close();
            throw e;
        }
        reader.thread.start();
        return reader;
    }

    /** Events handed to the consumer so far. */
    public long delivered() {
        return delivered.get();
    }

    /** Records too short to be an event (a layout mismatch), skipped. */
    public long malformed() {
        return malformed.get();
    }

    private void pollLoop() {
        try {
            while (running) {
                int rc = Native.libbpf().ring_buffer__poll(ringBuffer, POLL_TIMEOUT_MS);
                if (rc < 0 && rc != -Errno.EINTR) {
                    LOG.error("ring_buffer__poll failed errno={} ({}); event reader stops", -rc, Native.strerror(-rc));
                    return;
                }
            }
        } finally {
            Native.libbpf().ring_buffer__free(ringBuffer);
            if (ownedMap != null) {
                ownedMap.close();
            }
        }
    }

    private int onSample(Pointer ctx, Pointer data, long size) {
        try {
            byte[] copy = new byte[(int) size];
            data.get(0, copy, 0, copy.length);
            if (copy.length < DatapathEvent.SIZE) {
                malformed.incrementAndGet();
                return 0;
            }
            DatapathEvent event = DatapathEvent.decode(copy);
            delivered.incrementAndGet();
            consumer.accept(event);
        } catch (Throwable t) {
            // Never unwind into libbpf; a failing consumer loses this one event only.
            LOG.warn("event consumer failed: {}", t.toString());
        }
        return 0;
    }

    /** Stops the poll thread (within one poll interval) and frees the ring buffer. */
    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() == thread) {
            return; // called from the consumer: the loop ends after this callback
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("event reader thread did not stop within 5 s");
        }
    }
}
