package io.nodus.bpf.testing;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.nodus.bpf.events.DatapathEvent;

/** Collects datapath events from the reader thread; tests wait for one that matches. */
public final class EventCollector implements Consumer<DatapathEvent> {
    private final List<DatapathEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(DatapathEvent event) {
        events.add(event);
    }

    public List<DatapathEvent> events() {
        return List.copyOf(events);
    }

    public Optional<DatapathEvent> await(Duration timeout, Predicate<DatapathEvent> matching) {
        Poll.until(timeout, () -> events.stream().anyMatch(matching));
        return events.stream().filter(matching).findFirst();
    }

    public void clear() {
        events.clear();
    }
}
