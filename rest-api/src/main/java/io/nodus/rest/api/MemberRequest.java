package io.nodus.rest.api;

/**
 * POST /v1/cluster/members: a controller started with {@code --join} to add to the group.
 *
 * @param id its member id
 * @param raftAddress host:port of its Raft transport
 * @param grpcAddress host:port of its gRPC service
 */
public record MemberRequest(String id, String raftAddress, String grpcAddress) {}
