package io.nodus.state.collect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * An immutable first-in, first-out queue: {@link #append} at the newest end and {@link
 * #removeFirst} at the oldest end in amortized constant time, where a sorted tree keyed by
 * position pays a rebalanced path of nodes for both.
 *
 * <p>Two immutable lists (Okasaki, "Purely Functional Data Structures", 5.2): the oldest elements
 * in order, and the newest in reverse order, which becomes the new front once the front runs out.
 * The amortized bound holds when each version is built upon once, as a replica's state is: a
 * version used again after a reversal pays that reversal again.
 *
 * @param <E> element type; never null
 */
public final class PersistentQueue<E> implements Iterable<E> {
  private static final PersistentQueue<?> EMPTY = new PersistentQueue<>(null, null, null, 0);

  /** A list cell. Not a record: its equals and hashCode would recurse down the whole list. */
  private static final class Cell<E> {
    final E head;
    final Cell<E> tail;

    Cell(E head, Cell<E> tail) {
      this.head = head;
      this.tail = tail;
    }
  }

  /** Oldest first; null only when the queue is empty. */
  private final Cell<E> front;
  /** Newest first; null when the front holds everything. */
  private final Cell<E> rear;
  /** The newest element; null only when the queue is empty. */
  private final E last;
  private final int size;

  private PersistentQueue(Cell<E> front, Cell<E> rear, E last, int size) {
    this.front = front;
    this.rear = rear;
    this.last = last;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <E> PersistentQueue<E> empty() {
    return (PersistentQueue<E>) EMPTY;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The oldest element, or null when the queue is empty. */
  public E firstOrNull() {
    return front == null ? null : front.head;
  }

  /** The newest element, or null when the queue is empty. */
  public E lastOrNull() {
    return last;
  }

  /** The queue with {@code element} after every element it holds. */
  public PersistentQueue<E> append(E element) {
    Objects.requireNonNull(element, "element");
    if (front == null) {
      return new PersistentQueue<>(new Cell<>(element, null), null, element, 1);
    }
    return new PersistentQueue<>(front, new Cell<>(element, rear), element, size + 1);
  }

  /** The queue without its oldest element; this queue when it is empty. */
  public PersistentQueue<E> removeFirst() {
    if (size <= 1) {
      return empty();
    }
    if (front.tail != null) {
      return new PersistentQueue<>(front.tail, rear, last, size - 1);
    }
    Cell<E> reversed = null;
    for (Cell<E> c = rear; c != null; c = c.tail) {
      reversed = new Cell<>(c.head, reversed);
    }
    return new PersistentQueue<>(reversed, null, last, size - 1);
  }

  /** The elements, oldest first. */
  public List<E> toList() {
    List<E> out = new ArrayList<>(size);
    for (Cell<E> c = front; c != null; c = c.tail) {
      out.add(c.head);
    }
    int from = out.size();
    for (Cell<E> c = rear; c != null; c = c.tail) {
      out.add(c.head);
    }
    Collections.reverse(out.subList(from, out.size()));
    return out;
  }

  @Override
  public Iterator<E> iterator() {
    return toList().iterator();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PersistentQueue<?> q && q.size == size && q.toList().equals(toList());
  }

  @Override
  public int hashCode() {
    return toList().hashCode();
  }

  @Override
  public String toString() {
    return toList().toString();
  }
}
