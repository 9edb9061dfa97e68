package dev.distill.job.run;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

/** A listener for {@code spark.extraListeners} that records every job group id with its job description. */
public class JobGroupRecorder extends SparkListener {
  public static final Map<String, String> GROUPS = new ConcurrentHashMap<>();

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    String group = job.properties() == null ? null : job.properties().getProperty("spark.jobGroup.id");
    String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
    if (group != null) {
      GROUPS.merge(group, description == null ? "" : description, (a, b) -> a.isEmpty() ? b : a);
    }
  }
}
