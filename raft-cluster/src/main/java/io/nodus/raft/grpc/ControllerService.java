package io.nodus.raft.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.ControllerGrpc;
import io.nodus.raft.proto.EncodedSubmitResponse;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.raft.proto.ReadRequest;
import io.nodus.raft.proto.ReadResponse;
import io.nodus.raft.proto.StatusRequest;
import io.nodus.raft.proto.SubmitRequest;
import io.nodus.raft.proto.SubmitResponse;
import io.nodus.raft.proto.WatchRequest;
import io.nodus.raft.proto.WatchResponse;
import io.nodus.raft.watch.WatchService;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.Resource;
import io.nodus.state.read.ListQuery;
import io.nodus.state.read.ResourcePage;
import io.nodus.state.read.ResourceReads;
import java.util.Optional;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ResourceKind;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code nodus.v1.Controller} service of one controller. Unary calls (membership changes
 * included) block a gRPC executor thread while Raft answers; watches are handed to the {@link WatchService}, which owns their
 * threads. Register it through {@link #definition}, which binds Submit. A rejected command is a
 * normal {@link SubmitResponse}, and a refused Get or List (a missing resource, a bad key,
 * selector, limit or token) a rejection in its answer; only failures of the control plane itself
 * become gRPC errors (UNAVAILABLE when another attempt may succeed). Get and List answer from the
 * replica's image through the state machine's {@code read} package, without copying the state.
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
  private static final Logger log = LoggerFactory.getLogger(ControllerService.class);

  private final ControllerBackend backend;
  private final WatchService watches;

  public ControllerService(ControllerBackend backend, WatchService watches) {
    this.backend = backend;
    this.watches = watches;
  }

  /**
   * Submit as this service binds it (see {@link #definition}): it answers with the bytes the state
   * machine encoded, in an {@link EncodedSubmitResponse}, which clients read as SubmitResponse.
   */
  public static final MethodDescriptor<SubmitRequest, EncodedSubmitResponse> SUBMIT = ControllerGrpc.getSubmitMethod()
      .toBuilder(ProtoUtils.marshaller(SubmitRequest.getDefaultInstance()),
          ProtoUtils.marshaller(EncodedSubmitResponse.getDefaultInstance()))
      .build();

  /**
   * The service to register with a server: the generated one, but with Submit bound to {@link
   * #SUBMIT}, so that the leader neither parses its answers nor encodes them again.
   */
  public ServerServiceDefinition definition() {
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(ControllerGrpc.SERVICE_NAME);
    for (ServerMethodDefinition<?, ?> m : bindService().getMethods()) {
      if (!m.getMethodDescriptor().getFullMethodName().equals(SUBMIT.getFullMethodName())) {
        out.addMethod(m);
      }
    }
    return out.addMethod(SUBMIT, ServerCalls.asyncUnaryCall(this::submitEncoded)).build();
  }

  private void submitEncoded(SubmitRequest request, StreamObserver<EncodedSubmitResponse> response) {
    Command command = request.getCommand();
    if (command.getBodyCase() == Command.BodyCase.BODY_NOT_SET) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("command has no body").asRuntimeException());
      return;
    }
    if (command.getRequestId().isEmpty()) {
      command = command.toBuilder().setRequestId(UUID.randomUUID().toString()).build();
    }
    // Answered when Raft has ordered and applied it; no thread waits for that meanwhile.
    backend.submitEncoded(command).whenComplete((result, error) -> {
      if (error != null) {
        response.onError(toStatus(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error));
      } else {
        response.onNext(EncodedSubmitResponse.newBuilder().setResult(result).setServedBy(backend.memberId())
            .setLeaderId(backend.leaderId()).build());
        response.onCompleted();
      }
    });
  }

  @Override
  public void read(ReadRequest request, StreamObserver<ReadResponse> response) {
    unary(response, () -> {
      // Linearizable by default: once the local replica has applied the leader's commit index
      // (ReadIndex), the state reflects every write acknowledged before this call started.
      ReplicaState state = backend.read(request.getStale());
      return ReadResponse.newBuilder()
          .setState(ImageCodec.toState(state.image()).toBuilder().setClusterUuid(state.clusterUuid()))
          .setServedBy(backend.memberId())
          .build();
    });
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> response) {
    unary(response, () -> {
      GetResponse.Builder out = GetResponse.newBuilder().setServedBy(backend.memberId());
      ReplicaState state = backend.read(request.getStale());
      long revision = state.image().revision();
      try {
        Optional<Resource> found = ResourceReads.get(state.image(), request.getKind(), request.getKey());
        if (found.isPresent()) {
          out.setResource(found.get());
        } else {
          out.setRejection(ResourceReads.notFound(request.getKind(), request.getKey(), revision));
        }
      } catch (InvalidFieldException e) {
        out.setRejection(rejection(e, revision));
      }
      return out.setRevision(revision).build();
    });
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> response) {
    unary(response, () -> {
      ListResponse.Builder out = ListResponse.newBuilder().setServedBy(backend.memberId());
      ListQuery query;
      try {
        // Checked before any read: a bad request costs no ReadIndex round.
        query = ListQuery.of(request.getKind(), request.getLabelSelector(), request.hasNamespace() ? request.getNamespace() : null,
            request.hasNode() ? request.getNode() : null, request.getLimit(), request.getContinue());
      } catch (InvalidFieldException e) {
        return out.setRejection(rejection(e, 0)).build();
      }
      ReplicaState state = backend.read(request.getStale());
      if (state.image().revision() < query.afterRevision()) {
        // A stale replica behind the previous page (served by another controller): catch up
        // first, so that a listing never shows an older state than the page before.
        state = backend.read(false);
      }
      ResourcePage page = ResourceReads.list(state.image(), query);
      return out.addAllItems(page.items()).setContinue(page.continueToken()).setRevision(page.revision()).build();
    });
  }

  private static Rejection rejection(InvalidFieldException e, long revision) {
    return Rejection.newBuilder().setCode(e.code()).setField(e.field()).setMessage(e.getMessage()).setRevision(revision).build();
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
    for (ResourceKind k : request.getKindsList()) {
      if (k == ResourceKind.RESOURCE_KIND_UNSPECIFIED || k == ResourceKind.UNRECOGNIZED) {
        response.onError(Status.INVALID_ARGUMENT.withDescription("kinds: " + k + " is not a resource kind").asRuntimeException());
        return;
      }
    }
    try {
      // A replica that does not serve (failed storage, still catching up) could send a state
      // older than the one the watcher follows: the watcher goes to another controller.
      backend.checkServing();
    } catch (UnavailableException e) {
      response.onError(toStatus(e));
      return;
    }
    watches.open(request.getFromRevision(), EnumSet.copyOf(kindsOrAll(request)),
        new GrpcWatchStream((ServerCallStreamObserver<WatchResponse>) response));
  }

  private static java.util.Collection<ResourceKind> kindsOrAll(WatchRequest request) {
    // EnumSet.copyOf needs a non-empty collection; an empty one means "every kind" downstream.
    return request.getKindsList().isEmpty() ? EnumSet.noneOf(ResourceKind.class) : request.getKindsList();
  }

  @Override
  public void addMember(AddMemberRequest request, StreamObserver<MembershipResponse> response) {
    unary(response, () -> backend.addMember(request));
  }

  @Override
  public void removeMember(RemoveMemberRequest request, StreamObserver<MembershipResponse> response) {
    unary(response, () -> backend.removeMember(request));
  }

  @Override
  public void status(StatusRequest request, StreamObserver<ClusterStatus> response) {
    unary(response, backend::status);
  }

  private static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      response.onError(toStatus(e));
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  /** The trailer that carries the stable code of an UNAVAILABLE answer (see {@link UnavailableException#code}). */
  public static final Metadata.Key<String> CODE = Metadata.Key.of("nodus-code", Metadata.ASCII_STRING_MARSHALLER);

  private static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof UnavailableException u) {
      Metadata trailers = new Metadata();
      trailers.put(CODE, u.code());
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException(trailers);
    }
    if (e instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    log.warn("controller call failed", e);
    return Status.INTERNAL.withDescription(String.valueOf(e)).asRuntimeException();
  }
}
