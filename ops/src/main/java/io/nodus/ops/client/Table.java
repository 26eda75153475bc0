package io.nodus.ops.client;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain text table with left-aligned columns sized to their widest cell. */
public final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... header) {
    this.header = List.of(header);
  }

  public Table row(Object... cells) {
    List<String> r = new ArrayList<>(cells.length);
    for (Object c : cells) {
      r.add(c == null ? "" : c.toString());
    }
    rows.add(r);
    return this;
  }

  public void print(PrintStream out) {
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    line(out, header, width);
    for (List<String> r : rows) {
      line(out, r, width);
    }
  }

  private static void line(PrintStream out, List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      sb.append(c);
      if (i < cells.size() - 1) {
        sb.append(" ".repeat(width[i] - c.length() + 2));
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
