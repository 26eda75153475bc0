package io.nodus.state.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.CommandApplier;
import io.nodus.state.LoggedEntry;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.EncodedResults;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.UpsertPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * Single-JVM microbenchmark of the replicated apply path: what the controller's state-machine
 * thread does per log entry ({@code NodusStateMachine.applyTransaction}) minus Ratis and RocksDB.
 * Per entry of 32 commands: read the logged bytes ({@link LoggedEntry#parse}), {@link
 * CommandApplier#applyEntry}, build and serialize the reply ({@code EncodedResults}), {@link
 * ImageResources#changes} and serialize what the store would write (keys and events).
 *
 * <p>Each workload starts from a prefilled state (the request window full, so every command
 * evicts one) and replays a fixed, pre-built run of entries from it, again and again: images are
 * persistent, so going back to the prefilled state is free and every round does the same work.
 *
 * <p>Run with {@code java -cp state-machine/target/test-classes:state-machine/target/classes:<deps>
 * io.nodus.state.bench.ApplyBench}; {@code -Dwarmup=20 -Drounds=5} set seconds of warm-up and
 * measured rounds per workload. Single-threaded, like the apply thread.
 */
public final class ApplyBench {
  private static final int BATCH = 32;
  /** Client threads of the policy workload; each cycles through 100 policy names. */
  private static final int POLICY_THREADS = 128;
  private static final long BASE_TIME = 1_700_000_000_000L;

  private ApplyBench() {}

  /** A prefilled state and the run of entries (serialized LoggedCommands) replayed from it. */
  private record Workload(String name, ReplicaState start, long firstIndex, List<byte[]> entries) {
    int commands() {
      return entries.size() * BATCH;
    }
  }

  /** Time per command of one round, split into applyEntry and the rest of the controller's work. */
  private record Round(double applyMicros, double totalMicros) {}

  public static void main(String[] args) throws Exception {
    int warmupSeconds = Integer.getInteger("warmup", 20);
    int rounds = Integer.getInteger("rounds", 5);
    Random random = new Random(42);
    List<Workload> workloads = List.of(policyUpserts(random), identityAllocations(random));
    List<String> rows = new ArrayList<>();
    for (Workload w : workloads) {
      long deadline = System.nanoTime() + warmupSeconds * 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        run(w);
      }
      List<Round> measured = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        measured.add(run(w));
      }
      double[] apply = measured.stream().mapToDouble(Round::applyMicros).sorted().toArray();
      double[] total = measured.stream().mapToDouble(Round::totalMicros).sorted().toArray();
      rows.add(String.format(Locale.ROOT, "%-34s %10.2f %10.2f %10.2f %10.2f", w.name(),
          apply[apply.length / 2], apply[0], total[total.length / 2], total[0]));
      System.out.println(rows.getLast());
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%-34s %10s %10s %10s %10s%n", "µs per command (" + BATCH + " per entry)",
        "apply p50", "apply min", "ctrl p50", "ctrl min");
    rows.forEach(System.out::println);
  }

  /** One pass over the workload's entries from its start state, mirroring the controller. */
  private static Round run(Workload w) throws InvalidProtocolBufferException {
    ReplicaState state = w.start();
    long index = w.firstIndex();
    long applyNanos = 0;
    long sink = 0;
    long t0 = System.nanoTime();
    for (byte[] data : w.entries()) {
      LoggedEntry logged = LoggedEntry.parse(data);
      long a0 = System.nanoTime();
      CommandApplier.EntryApplied applied = CommandApplier.applyEntry(state, logged, index++, 1);
      applyNanos += System.nanoTime() - a0;
      EncodedResults.Builder results = EncodedResults.newBuilder();
      for (CommandApplier.Applied a : applied.commands()) {
        // Every command of these workloads changes the state; the answer is parsed only to report.
        if (a.events().isEmpty()) {
          throw new IllegalStateException("no change in " + w.name() + ": " + a.result());
        }
        results.addResults(a.encodedResult());
      }
      // What StateStore.commit serializes besides the values changes() already made.
      for (ImageResources.Write write : ImageResources.changes(state, applied)) {
        sink += write.key().toBytes().length + (write.value() == null ? 0 : write.value().length);
      }
      for (byte[] e : applied.encodedEvents()) {
        sink += e.length;
      }
      sink += results.build().toByteArray().length;
      state = applied.state();
    }
    long totalNanos = System.nanoTime() - t0;
    if (sink == 42) {
      System.out.println();
    }
    return new Round(applyNanos / 1e3 / w.commands(), totalNanos / 1e3 / w.commands());
  }

  /**
   * The control-plane benchmark's policy load: 128 threads each upserting policies
   * {@code bench-<thread>-<k % 100>} (12,800 names), every upsert a change, random request ids.
   */
  private static Workload policyUpserts(Random random) {
    int[] k = new int[POLICY_THREADS];
    IntFunction<Command> next = i -> {
      int thread = i % POLICY_THREADS;
      return policyUpsert(thread, k[thread]++, 1, random);
    };
    // Every name once, so the window is full and every name exists before the measured run.
    return prefilled("policy upsert (12.8k policies)", List.of(), 100 * POLICY_THREADS, next, 400);
  }

  /** New label sets through endpoint creation on one node: each command allocates an identity. */
  private static Workload identityAllocations(Random random) {
    Command register = Command.newBuilder().setRequestId(uuid(random))
        .setRegisterNode(RegisterNode.newBuilder().setName("bench-node")).build();
    IntFunction<Command> next = i -> Command.newBuilder().setRequestId(uuid(random))
        .setCreateEndpoint(CreateEndpoint.newBuilder().setName("id-" + i).setNode("bench-node")
            .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", "a" + i)))).build();
    // 4,800 endpoints before and 12,800 in the run: well inside the 65k cluster-local identities.
    return prefilled("endpoint create (new identity)", List.of(register), 150 * BATCH, next, 400);
  }

  /**
   * Applies {@code setup}, then {@code prefill} commands from {@code next}, and builds the next
   * {@code entries} entries of {@code next} as the measured run.
   */
  private static Workload prefilled(String name, List<Command> setup, int prefill, IntFunction<Command> next, int entries) {
    ReplicaState state = ReplicaState.EMPTY;
    long index = 1;
    List<Command> pending = new ArrayList<>(setup);
    int i = 0;
    for (; i < prefill; i++) {
      pending.add(next.apply(i));
    }
    for (int from = 0; from < pending.size(); from += BATCH) {
      LoggedCommand entry = entry(pending.subList(from, Math.min(pending.size(), from + BATCH)), index);
      state = CommandApplier.applyEntry(state, entry, index++).state();
    }
    List<byte[]> run = new ArrayList<>(entries);
    for (int e = 0; e < entries; e++) {
      List<Command> batch = new ArrayList<>(BATCH);
      for (int c = 0; c < BATCH; c++) {
        batch.add(next.apply(i++));
      }
      run.add(entry(batch, index + e).toByteArray());
    }
    return new Workload(name, state, index, run);
  }

  private static LoggedCommand entry(List<Command> commands, long index) {
    return LoggedCommand.newBuilder().addAllCommands(commands).setLeaderTimeMillis(BASE_TIME + index).build();
  }

  private static String uuid(Random random) {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /** The control-plane benchmark's policy (ops Workloads.policyUpsert): about 400 bytes. */
  static Command policyUpsert(int thread, long k, int round, Random random) {
    String name = "bench-" + thread + "-" + (k % 100);
    int port = (int) (k % 60000) + 1;
    String doc = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: %s
        spec:
          endpointSelector:
            matchLabels:
              app: backend-%d
          ingress:
          - fromEndpoints:
            - matchLabels:
                app: frontend
            toPorts:
            - ports:
              - port: "%d"
                protocol: TCP
        """.formatted(name, round, port);
    Policy p = Policy.newBuilder().setName(name).setNamespace("default").setKind("CiliumNetworkPolicy")
        .addRules(PolicyRule.newBuilder()
            .setEndpointSelector(EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "app", "backend-" + round)))
            .addIngress(PeerRule.newBuilder()
                .addEndpoints(EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "app", "frontend")))
                .addToPorts(PortRule.newBuilder().addPorts(PortProtocol.newBuilder().setPort(port).setProtocol(Protocol.TCP)))))
        .setOriginalDocument(doc)
        .setOriginalFormat("application/yaml")
        .build();
    return Command.newBuilder().setRequestId(uuid(random)).setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build();
  }
}
