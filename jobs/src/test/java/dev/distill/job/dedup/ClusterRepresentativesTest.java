package dev.distill.job.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.job.SparkTestSession;
import dev.distill.job.schema.Columns;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Connected components of the near-duplicate edges, then one representative per component, as the dedup stage runs them. */
class ClusterRepresentativesTest {
  private record Member(String id, boolean hasTrace, boolean hasSolution) {}

  private record Edge(Member a, Member b) {}

  private static final Member A = new Member("a", false, false);
  private static final Member B = new Member("b", false, true);
  private static final Member C = new Member("c", false, false);
  private static final Member D = new Member("d", true, false);
  private static final Member E = new Member("e", false, false);
  private static final Member X = new Member("x", false, false);
  private static final Member Y = new Member("y", false, false);

  private static final StructType EDGES = new StructType().add("a", DataTypes.StringType).add("b", DataTypes.StringType);
  private static final StructType MEMBERS = new StructType().add(Columns.ID, DataTypes.StringType)
      .add("trace", DataTypes.BooleanType).add("solution", DataTypes.BooleanType);

  @Test
  void transitiveEdgesFormOneClusterWithOneRepresentative() {
    // a-b, b-c: a and c never meet directly; b has the only solution.
    assertEquals(Map.of("a", "b", "c", "b"), resolve(List.of(new Edge(A, B), new Edge(B, C))));
  }

  @Test
  void traceBeatsSolutionBeatsSmallestId() {
    assertEquals(Map.of("a", "d", "b", "d", "c", "d"), resolve(List.of(new Edge(A, B), new Edge(C, D), new Edge(B, C))));
    assertEquals(Map.of("y", "x"), resolve(List.of(new Edge(Y, X))));
  }

  @Test
  void separateComponentsKeepSeparateRepresentatives() {
    assertEquals(Map.of("b", "a", "y", "x"), resolve(List.of(new Edge(new Member("b", false, false), A), new Edge(X, Y))));
  }

  @Test
  void resultDoesNotDependOnEdgeOrderOrDirection() {
    List<Edge> edges = List.of(new Edge(A, B), new Edge(B, C), new Edge(E, C), new Edge(X, Y), new Edge(D, E));
    Map<String, String> expected = Map.of("a", "d", "b", "d", "c", "d", "e", "d", "y", "x");
    assertEquals(expected, resolve(edges));

    List<Edge> reversed = new ArrayList<>();
    for (Edge e : edges) {
      reversed.add(0, new Edge(e.b(), e.a()));
    }
    assertEquals(expected, resolve(reversed));

    List<Edge> shuffled = new ArrayList<>(edges);
    Collections.shuffle(shuffled, new Random(3));
    assertEquals(expected, resolve(shuffled));
  }

  @Test
  void aLongChainConvergesToTheUnionFindComponents() {
    // A path whose smallest id sits at one end needs about as many rounds as its length; the other
    // components are random graphs. Union-find (IdComponents) on the driver is the reference.
    Random random = new Random(7);
    List<String[]> edges = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      edges.add(new String[] {String.format("p%02d", i), String.format("p%02d", i + 1)});
    }
    for (int i = 0; i < 100; i++) {
      edges.add(new String[] {"r" + random.nextInt(80), "r" + random.nextInt(80)});
    }
    Collections.shuffle(edges, random);
    IdComponents reference = new IdComponents();
    edges.forEach(e -> reference.union(e[0], e[1]));

    List<Row> rows = new ArrayList<>();
    edges.forEach(e -> rows.add(RowFactory.create(e[0], e[1])));
    ConnectedComponents components = ConnectedComponents.of(SparkTestSession.get().createDataFrame(rows, EDGES).repartition(3));
    Map<String, String> cluster = new HashMap<>();
    components.labels().collectAsList().forEach(r -> cluster.put(r.getString(0), r.getString(1)));

    Map<String, String> expected = new HashMap<>();
    reference.ids().forEach(id -> expected.put(id, reference.root(id)));
    assertEquals(expected, cluster);
    assertEquals("p00", cluster.get("p06"));
    assertTrue(components.rounds() >= 5, "a 6-edge path takes a round a hop, not one: " + components.rounds());
  }

  @Test
  void noEdgesNoDuplicates() {
    assertEquals(Map.of(), resolve(List.of()));
  }

  private static Map<String, String> resolve(List<Edge> edges) {
    List<Row> edgeRows = new ArrayList<>();
    Map<String, Member> members = new HashMap<>();
    for (Edge e : edges) {
      edgeRows.add(RowFactory.create(e.a().id(), e.b().id()));
      members.put(e.a().id(), e.a());
      members.put(e.b().id(), e.b());
    }
    List<Row> memberRows = new ArrayList<>();
    members.values().forEach(m -> memberRows.add(RowFactory.create(m.id(), m.hasTrace(), m.hasSolution())));
    Dataset<Row> labels = ConnectedComponents.of(SparkTestSession.get().createDataFrame(edgeRows, EDGES)).labels();
    Dataset<Row> attributes = SparkTestSession.get().createDataFrame(memberRows, MEMBERS).withColumnRenamed(Columns.ID, "_id");
    Dataset<Row> labelled = labels.join(attributes, labels.col(Columns.ID).equalTo(attributes.col("_id"))).drop("_id");
    Map<String, String> repOf = new HashMap<>();
    ClusterRepresentatives.resolve(labelled).collectAsList().forEach(r -> repOf.put(r.getString(0), r.getString(1)));
    return repOf;
  }
}
