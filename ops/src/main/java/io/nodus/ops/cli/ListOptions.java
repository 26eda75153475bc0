package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.RestClient;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options of the list verbs, after kubectl's: {@code -l} filters on labels; the list is fetched in
 * pages of {@code --chunk-size} and printed whole, as {@code kubectl get} does; {@code --limit N}
 * prints one page of at most N and, when more follow, the token to pass to {@code --continue} for
 * the next (on standard error, so that the table or JSON on standard output keeps its shape).
 */
public final class ListOptions {
  /** Most items one page of the API holds. */
  static final int MAX_PAGE = 1000;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR",
      description = "Only items whose labels match, kubectl's syntax: app=web,tier!=db,'env in (a,b)',!legacy; k8s:app for one source.")
  String selector;

  @Option(names = "--limit", paramLabel = "N",
      description = "Show one page of at most N items (1..1000); when more follow, print the token of the next page on stderr.")
  Integer limit;

  @Option(names = "--continue", paramLabel = "TOKEN", description = "Start after the page that printed TOKEN.")
  String continueToken;

  @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "500",
      description = "Without --limit, fetch the whole list in pages of N (default: ${DEFAULT-VALUE}; 0: one request).")
  int chunkSize;

  /**
   * The items of the list at {@code path}, with the query parameters {@code params} (null values
   * left out) besides the paging ones: one page with --limit, every page otherwise.
   *
   * @param err where the next page's token is told, with --limit
   */
  ArrayNode fetch(RestClient rest, String path, Map<String, String> params, PrintStream err) {
    if (limit != null && (limit < 1 || limit > MAX_PAGE)) {
      throw new CliException("error: --limit must be between 1 and " + MAX_PAGE + ", got " + limit, 2);
    }
    if (chunkSize < 0 || chunkSize > MAX_PAGE) {
      throw new CliException("error: --chunk-size must be between 0 and " + MAX_PAGE + ", got " + chunkSize, 2);
    }
    Map<String, String> query = new LinkedHashMap<>(params);
    query.put("labelSelector", selector);
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    String token = continueToken;
    int pageSize = limit != null ? limit : chunkSize;
    do {
      query.put("limit", pageSize == 0 ? null : Integer.toString(pageSize));
      query.put("continue", token);
      RestClient.Reply page = rest.get(path + queryString(query));
      for (JsonNode item : page.json()) {
        items.add(item);
      }
      token = page.continueToken().isEmpty() ? null : page.continueToken();
      if (limit != null) {
        if (token != null) {
          err.println("more items follow; next page: --limit " + limit + " --continue " + token);
        }
        return items;
      }
    } while (token != null);
    return items;
  }

  private static String queryString(Map<String, String> query) {
    StringBuilder b = new StringBuilder();
    query.forEach((k, v) -> {
      if (v != null) {
        b.append(b.length() == 0 ? '?' : '&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    return b.toString();
  }
}
