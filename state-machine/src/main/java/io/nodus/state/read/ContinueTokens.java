package io.nodus.state.read;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.ContinueToken;
import io.nodus.state.proto.ResourceKind;
import java.util.Base64;

/**
 * The text of a {@link ContinueToken}: unpadded base64url of the message. Clients treat it as
 * opaque; a token is accepted only in the canonical form this class writes and only for the kind
 * it was written for, so a truncated, edited or borrowed token is a 400 naming {@code continue}
 * instead of a page from somewhere unexpected.
 */
public final class ContinueTokens {
  /** The parameter every error names. */
  public static final String FIELD = "continue";
  /** Longer texts are refused before decoding: keys are short. */
  private static final int MAX_LENGTH = 2048;

  private ContinueTokens() {}

  public static String encode(ResourceKind kind, String lastKey, long revision) {
    ContinueToken token = ContinueToken.newBuilder().setKind(kind).setLastKey(lastKey).setRevision(revision).build();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token.toByteArray());
  }

  /**
   * The token {@code text} holds, checked to be one this class wrote for a listing of {@code kind}.
   *
   * @throws InvalidFieldException on {@code continue} otherwise
   */
  public static ContinueToken decode(String text, ResourceKind kind) {
    if (text.length() > MAX_LENGTH) {
      throw malformed();
    }
    ContinueToken token;
    try {
      token = ContinueToken.parseFrom(Base64.getUrlDecoder().decode(text));
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      throw malformed();
    }
    // Only the canonical encoding of a complete token: random text that happens to parse is refused.
    if (token.getLastKey().isEmpty() || !token.getUnknownFields().asMap().isEmpty()
        || token.getKind() == ResourceKind.RESOURCE_KIND_UNSPECIFIED || token.getKind() == ResourceKind.UNRECOGNIZED
        || !encode(token.getKind(), token.getLastKey(), token.getRevision()).equals(text)) {
      throw malformed();
    }
    if (token.getKind() != kind) {
      throw InvalidFieldException.invalid(FIELD, "the token continues a listing of " + name(token.getKind())
          + ", not of " + name(kind));
    }
    return token;
  }

  /** {@code KIND_POLICY} as "policies". */
  static String name(ResourceKind kind) {
    return switch (kind) {
      case KIND_IDENTITY -> "identities";
      case KIND_NODE -> "nodes";
      case KIND_ENDPOINT -> "endpoints";
      case KIND_POLICY -> "policies";
      case KIND_SERVICE -> "services";
      case KIND_IPAM -> "IPAM pools";
      case KIND_CLUSTER, KIND_MEMBER, RESOURCE_KIND_UNSPECIFIED, UNRECOGNIZED -> kind.name();
    };
  }

  private static InvalidFieldException malformed() {
    return InvalidFieldException.invalid(FIELD, "is not a continue token of this API: pass on the one a listing returned, unchanged");
  }
}
