package dev.distill.job.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChatFormatTest {
  @Test
  void matchesTheS1TrainingText() {
    String text = ChatFormat.text(ChatFormat.DEFAULT_SYSTEM, "What is 1+1?", "Adding one and one.", "2");
    assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        + "<|im_start|>user\nWhat is 1+1?<|im_end|>\n"
        + "<|im_start|>assistant\n<|im_start|>think\nAdding one and one.\n"
        + "<|im_start|>answer\nAnswer: 2<|im_end|>", text);
  }

  @Test
  void doesNotDoubleTheAnswerPrefix() {
    String text = ChatFormat.text("sys", "q", "t", "Final Answer: 7");
    assertTrue(text.endsWith("<|im_start|>answer\nFinal Answer: 7<|im_end|>"), text);
    assertTrue(ChatFormat.text("sys", "q", "t", "Answer: 7").endsWith("answer\nAnswer: 7<|im_end|>"));
  }
}
