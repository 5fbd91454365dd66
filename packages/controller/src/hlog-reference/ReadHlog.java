// Reads a histograms.hlog with the HdrHistogram reference implementation (Java's
// HistogramLogReader) and prints, per tag, the merged count, p99 and max (µs), tab-separated;
// the last line counts the intervals read. Compiled and run by hlog-java.test.ts.
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import java.util.Map;
import java.util.TreeMap;

public class ReadHlog {
  public static void main(String[] args) throws Exception {
    HistogramLogReader reader = new HistogramLogReader(args[0]);
    Map<String, Histogram> byTag = new TreeMap<>();
    int intervals = 0;
    EncodableHistogram e;
    while ((e = reader.nextIntervalHistogram()) != null) {
      intervals++;
      String tag = e.getTag() == null ? "" : e.getTag();
      Histogram h = byTag.computeIfAbsent(tag, t -> new Histogram(3));
      h.add((AbstractHistogram) e);
    }
    for (Map.Entry<String, Histogram> m : byTag.entrySet()) {
      Histogram h = m.getValue();
      System.out.println(m.getKey() + "\t" + h.getTotalCount() + "\t" + h.getValueAtPercentile(99) + "\t" + h.getMaxValue());
    }
    System.out.println("#intervals\t" + intervals);
  }
}
