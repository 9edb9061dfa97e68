package dev.distill.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldPathTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> located(String path, String json) throws Exception {
    JsonNode record = JSON.readTree(json);
    return FieldPath.parse(path).locate(record).stream().map(l -> l.path() + "=" + l.text()).toList();
  }

  @Test
  void locateNamesEachSelectedValue() throws Exception {
    assertEquals(List.of("a.b=x"), located("a.b", "{\"a\": {\"b\": \"x\"}}"));
    assertEquals(List.of("r[0]=one", "r[1]=two"), located("r[*]", "{\"r\": [\"one\", \"two\"]}"));
    assertEquals(List.of("r[1]=two"), located("r[-1]", "{\"r\": [\"one\", \"two\"]}"));
    assertEquals(List.of("m[0].s=1", "m[2].s=3"), located("m[*].s", "{\"m\": [{\"s\": 1}, {\"t\": 2}, {\"s\": 3.0}]}"));
    assertEquals(List.of(), located("missing[*]", "{\"r\": []}"));
    assertEquals(List.of(), located("r[*]", "{\"r\": []}"));
  }

  @Test
  void locateAgreesWithResolve() throws Exception {
    JsonNode record = JSON.readTree("{\"m\": [{\"s\": [1, 2]}, {\"s\": [3]}]}");
    FieldPath path = FieldPath.parse("m[*].s[*]");
    assertEquals(path.resolve(record), path.locate(record).stream().map(FieldPath.Located::value).toList());
    assertEquals(List.of("m[0].s[0]", "m[0].s[1]", "m[1].s[0]"), path.locate(record).stream().map(FieldPath.Located::path).toList());
  }

  @Test
  void malformedPathsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("r["));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("a..b"));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("[0]"));
  }
}
