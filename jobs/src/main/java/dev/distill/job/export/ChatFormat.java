package dev.distill.job.export;

/** The s1 training text: Qwen2.5 chat template with think/answer sections (S1.md, "Training stage"). */
public final class ChatFormat {
  public static final String DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

  public static String text(String system, String question, String trace, String attempt) {
    String answer = attempt == null ? "" : attempt;
    if (!answer.contains("Answer:")) {
      answer = "Answer: " + answer;
    }
    return "<|im_start|>system\n" + system + "<|im_end|>\n"
        + "<|im_start|>user\n" + question + "<|im_end|>\n"
        + "<|im_start|>assistant\n"
        + "<|im_start|>think\n" + (trace == null ? "" : trace) + "\n"
        + "<|im_start|>answer\n" + answer + "<|im_end|>";
  }

  private ChatFormat() {}
}
