package io.nodus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.agent.monitor.ApiError;
import io.nodus.rest.errors.HttpErrors;
import org.junit.jupiter.api.Test;

/**
 * The agent's local API keeps its own copy of the REST API's status codes (node-datapath may not
 * depend on rest-api); ops sees both, so it checks that a client reads one code per status
 * whichever surface answered.
 */
class ErrorCodesTest {
  @Test
  void agentAndRestApiGiveEveryStatusTheSameCode() {
    for (int status = 100; status < 600; status++) {
      assertThat(ApiError.code(status)).as("status %d", status).isEqualTo(HttpErrors.code(status));
    }
  }
}
