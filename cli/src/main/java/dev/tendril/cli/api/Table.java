package dev.tendril.cli.api;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A kubectl-style table: upper-case headers, columns padded to their widest cell, three spaces apart. */
public final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size());
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object cell : cells) {
            row.add(cell == null ? "" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public void print(PrintWriter out) {
        print(out, true);
    }

    /**
     * Prints the rows, under the headers when {@code header}: one chunk of a list read in pages, its columns as wide
     * as this chunk and the headers need (the rows to come are not known yet; kubectl prints its chunks the same way).
     */
    public void print(PrintWriter out, boolean header) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        if (header) {
            printRow(out, headers.stream().map(String::toUpperCase).toList(), widths);
        }
        rows.forEach(row -> printRow(out, row, widths));
        out.flush();
    }

    private static void printRow(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(cells.get(i));
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cells.get(i).length() + 3));
            }
        }
        out.println(line.toString().stripTrailing());
    }
}
