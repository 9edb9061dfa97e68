package dev.distill.udf.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatedNumbersTest {
  @Test
  void theSameNumbersInAnyOrderAreTheSameMultiset() {
    assertEquals(List.of("120", "2"), StatedNumbers.of("120 miles in 2 hours"));
    assertEquals(StatedNumbers.of("in 2 hours, 120 miles"), StatedNumbers.of("120 miles in 2 hours"));
    assertEquals(List.of("3.5"), StatedNumbers.of("x = 3.5"));
    assertEquals(List.of(), StatedNumbers.of(null));
  }

  @Test
  void numberWordsCountAsTheirValue() {
    assertEquals(StatedNumbers.of("120 miles in 2 hours"), StatedNumbers.of("In Two hours, 120 miles"));
    assertEquals(List.of("10", "2", "4", "5"), StatedNumbers.of("Roslyn has ten boxes. Five contain pencils, four pens, two both."));
    assertNotEquals(StatedNumbers.of("Roslyn has twenty boxes. Thirteen contain pencils"), StatedNumbers.of("Roslyn has ten boxes. Five contain pencils"));
    assertEquals(List.of(), StatedNumbers.of("Someone wrote a tone poem"), "only whole words");
  }

  @Test
  void aVariantWithOtherNumbersDiffers() {
    assertNotEquals(StatedNumbers.of("Simplify $\\sqrt{242}$."), StatedNumbers.of("Simplify $\\sqrt{245}$."));
    assertNotEquals(StatedNumbers.of("2 and 2"), StatedNumbers.of("2"), "a multiset: repeats count");
  }
}
