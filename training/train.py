#!/usr/bin/env python3
"""The reference GPU training stage for a distill handoff bundle: the s1 recipe.

Full fine-tuning of a causal LM (Qwen2.5 in s1) on the bundle's `text`, with the loss on the
assistant part only (everything after "<|im_start|>assistant\\n", as s1 did), the hyperparameters of
the bundle's train/recipe.json (5 epochs, lr 1e-5, cosine, warmup 5%, weight decay 1e-4, AdamW
betas 0.9/0.95, bf16, global batch 16, block size 32,768) and FSDP full sharding that wraps each
decoder layer when more than one process runs.

    python3 train.py --dry-run --bundle HANDOFF_DIR       # standard library only, no GPU
    torchrun --nproc-per-node 8 train.py --model MODEL_DIR --bundle HANDOFF_DIR --output-dir OUT

The dry run validates the bundle (every file's sha256 and size against manifest.json, the schema
and the chat markers of every row, the row counts, arrow/'s state.json and dataset_info.json; the
Arrow rows too when pyarrow is installed) and exits 1, naming the file and row, on any problem.
Training needs torch and transformers (pyarrow or datasets to read arrow/; else train.jsonl).
"""

import argparse
import hashlib
import json
import math
import os
import sys

SYSTEM = "<|im_start|>system\n"
USER = "<|im_start|>user\n"
ASSISTANT = "<|im_start|>assistant\n"
THINK = "<|im_start|>think\n"
ANSWER = "<|im_start|>answer\n"
END = "<|im_end|>"
MARKERS = [SYSTEM, USER, ASSISTANT, THINK, ANSWER]
ARROW_DIR = "arrow"
ARROW_FILE = "data-00000-of-00001.arrow"
REQUIRED_FILES = ["train.jsonl", "train.parquet", ARROW_DIR + "/" + ARROW_FILE, ARROW_DIR + "/state.json",
                  ARROW_DIR + "/dataset_info.json", "README.md", "train/recipe.json"]
MAX_ROW_PROBLEMS = 20

# s1's hyperparameters (S1.md), used when no recipe.json is given.
DEFAULT_RECIPE = {
    "num_train_epochs": 5, "learning_rate": 1e-5, "lr_scheduler_type": "cosine", "warmup_ratio": 0.05,
    "weight_decay": 1e-4, "adam_beta1": 0.9, "adam_beta2": 0.95, "bf16": True, "global_batch_size": 16,
    "per_device_train_batch_size": 1, "block_size": 32768, "gradient_checkpointing": True,
    "response_template": ASSISTANT, "fsdp": "full_shard auto_wrap",
    "fsdp_transformer_layer_cls_to_wrap": "Qwen2DecoderLayer", "logging_steps": 1, "save_strategy": "no", "seed": 42,
}


# ----------------------------------------------------------------------------------------------
# Bundle validation (standard library only)
# ----------------------------------------------------------------------------------------------

def missing_marker(text, truncated=False):
    """The first chat marker `text` lacks (in order), END when it does not close, else None."""
    if not isinstance(text, str):
        return SYSTEM
    start = 0
    for marker in (MARKERS[:4] if truncated else MARKERS):
        at = text.find(marker, start)
        if at < 0 or (marker == SYSTEM and at != 0):
            return marker
        start = at + len(marker)
    if not truncated and not text.endswith(END):
        return END
    return None


def marker_name(marker):
    return marker.replace("<|im_start|>", "").replace("<|", "").replace("|>", "").strip()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _value_ok(feature, value):
    """Whether a JSON value fits a Hugging Face feature ({"dtype", "_type": "Value"} or a Sequence/List)."""
    if value is None:
        return True
    kind = feature.get("_type")
    if kind in ("Sequence", "List", "LargeList"):
        return isinstance(value, list) and all(_value_ok(feature["feature"], v) for v in value)
    dtype = feature.get("dtype")
    if dtype == "string":
        return isinstance(value, str)
    if dtype == "bool":
        return isinstance(value, bool)
    if dtype and dtype.startswith("int"):
        return isinstance(value, int) and not isinstance(value, bool)
    return True


class Validation:
    def __init__(self, bundle):
        self.bundle = bundle
        self.problems = []
        self.row_problems = 0
        self.rows = -1

    def problem(self, message):
        self.problems.append(message)

    def row_problem(self, message):
        self.row_problems += 1
        if self.row_problems <= MAX_ROW_PROBLEMS:
            self.problems.append(message)
        elif self.row_problems == MAX_ROW_PROBLEMS + 1:
            self.problems.append("... more row problems left out")

    def path(self, name):
        return os.path.join(self.bundle, *name.split("/"))

    def read_json(self, name):
        try:
            with open(self.path(name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            self.problem("%s: cannot read as JSON (%s)" % (name, e))
            return None

    def run(self, use_pyarrow=True):
        manifest_path = self.path("manifest.json")
        if not os.path.isfile(manifest_path):
            self.problem("Cannot validate %s: no manifest.json there; pass a handoff directory (<run>/handoff)" % self.bundle)
            return self
        manifest = self.read_json("manifest.json")
        if not isinstance(manifest, dict):
            return self
        self.rows = manifest.get("rows", -1)
        files = manifest.get("files", {})
        for name in REQUIRED_FILES:
            if name not in files:
                self.problem("manifest.json: %s is not listed" % name)
        for name, entry in files.items():
            self.check_file(name, entry)
        columns = manifest.get("columns", [])
        info = self.read_json(ARROW_DIR + "/dataset_info.json") or {}
        features = info.get("features", {})
        if list(features) != columns:
            self.problem("%s/dataset_info.json: features %s differ from the manifest's columns %s" % (ARROW_DIR, list(features), columns))
        state = self.read_json(ARROW_DIR + "/state.json") or {}
        data_files = [d.get("filename") for d in state.get("_data_files", [])]
        if data_files != [ARROW_FILE]:
            self.problem("%s/state.json: _data_files should list %s but lists %s" % (ARROW_DIR, ARROW_FILE, data_files))
        texts = self.check_jsonl(columns, features)
        if use_pyarrow:
            self.check_arrow_with_pyarrow(columns, texts)
        return self

    def check_file(self, name, entry):
        path = self.path(name)
        if not os.path.isfile(path):
            self.problem("%s: missing (listed in manifest.json)" % name)
            return
        size = os.path.getsize(path)
        if size != entry.get("bytes"):
            self.problem("%s: %d bytes, the manifest says %s%s" % (name, size, entry.get("bytes"),
                                                                   " (truncated)" if size < entry.get("bytes", 0) else ""))
        sha = sha256_file(path)
        if sha != entry.get("sha256"):
            self.problem("%s: sha256 %s does not match the manifest's %s" % (name, sha, entry.get("sha256")))

    def check_jsonl(self, columns, features):
        texts = []
        try:
            with open(self.path("train.jsonl"), encoding="utf-8") as f:
                n = 0
                for n, line in enumerate(f, start=1):
                    try:
                        row = json.loads(line)
                    except ValueError as e:
                        self.row_problem("train.jsonl line %d: not valid JSON (%s)" % (n, e))
                        texts.append(None)
                        continue
                    for column in columns:
                        if column not in row:
                            self.row_problem("train.jsonl line %d: no column %s" % (n, column))
                        elif column in features and not _value_ok(features[column], row[column]):
                            self.row_problem("train.jsonl line %d: column %s does not match its feature %s"
                                             % (n, column, json.dumps(features[column])))
                    text = row.get("text")
                    missing = missing_marker(text, bool(row.get("truncated")))
                    if missing is not None:
                        self.row_problem("train.jsonl line %d: text lacks the %s marker %s"
                                         % (n, marker_name(missing), json.dumps(missing)))
                    texts.append(text)
        except OSError as e:
            self.problem("train.jsonl: cannot read (%s)" % e)
            return None
        if n != self.rows:
            self.problem("train.jsonl: %d rows, the manifest says %s" % (n, self.rows))
        return texts

    def check_arrow_with_pyarrow(self, columns, texts):
        try:
            import pyarrow as pa  # optional: present on the GPU machines
        except ImportError:
            return
        name = ARROW_DIR + "/" + ARROW_FILE
        try:
            with pa.memory_map(self.path(name), "r") as source:
                table = pa.ipc.open_stream(source).read_all()
        except Exception as e:  # noqa: BLE001 - any reader failure is a corrupt file
            self.problem("%s: cannot read the Arrow stream (%s)" % (name, e))
            return
        if table.column_names != columns:
            self.problem("%s: columns %s differ from the manifest's %s" % (name, table.column_names, columns))
            return
        if table.num_rows != self.rows:
            self.problem("%s: %d rows, the manifest says %s" % (name, table.num_rows, self.rows))
        arrow_texts = table.column("text").to_pylist()
        truncated = table.column("truncated").to_pylist()
        for i, text in enumerate(arrow_texts):
            missing = missing_marker(text, bool(truncated[i]))
            if missing is not None:
                self.row_problem("%s row %d: text lacks the %s marker" % (name, i + 1, marker_name(missing)))
            if texts is not None and i < len(texts) and texts[i] != text:
                self.row_problem("%s row %d: text differs from train.jsonl line %d" % (name, i + 1, i + 1))


def validate_bundle(bundle, use_pyarrow=True):
    """Returns a Validation: .rows (from the manifest) and .problems (empty when the bundle is sound)."""
    return Validation(bundle).run(use_pyarrow)


# ----------------------------------------------------------------------------------------------
# Training (torch + transformers, imported only here)
# ----------------------------------------------------------------------------------------------

def load_recipe(path, bundle):
    recipe = dict(DEFAULT_RECIPE)
    path = path or os.path.join(bundle, "train", "recipe.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            recipe.update(json.load(f))
    return recipe


def read_texts(bundle):
    """The `text` column in rank order: arrow/ through datasets or pyarrow, else train.jsonl."""
    arrow_dir = os.path.join(bundle, ARROW_DIR)
    try:
        import datasets
        return list(datasets.load_from_disk(arrow_dir)["text"])
    except ImportError:
        pass
    try:
        import pyarrow as pa
        with pa.memory_map(os.path.join(arrow_dir, ARROW_FILE), "r") as source:
            return pa.ipc.open_stream(source).read_all().column("text").to_pylist()
    except ImportError:
        with open(os.path.join(bundle, "train.jsonl"), encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f]


def assistant_labels(input_ids, offsets, assistant_from):
    """Labels for the causal-LM loss: the token ids where a token starts at or after `assistant_from`
    (the first character after the response template), -100 (ignored) before."""
    return [tok if start >= assistant_from else -100 for tok, (start, _end) in zip(input_ids, offsets)]


def tokenize_rows(texts, tokenizer, block_size, response_template):
    examples = []
    skipped = 0
    for text in texts:
        at = text.find(response_template)
        if at < 0:
            skipped += 1
            continue
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=True, max_length=block_size)
        labels = assistant_labels(enc["input_ids"], enc["offset_mapping"], at + len(response_template))
        if all(label == -100 for label in labels):
            skipped += 1
            continue
        examples.append({"input_ids": enc["input_ids"], "labels": labels})
    return examples, skipped


def load_tokenizer(args):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast
    source = args.tokenizer or args.model
    if source and os.path.isfile(source):
        tokenizer = PreTrainedTokenizerFast(tokenizer_file=source)
    else:
        tokenizer = AutoTokenizer.from_pretrained(source, use_fast=True)
    if tokenizer.pad_token is None:
        vocab = tokenizer.get_vocab()
        tokenizer.pad_token = "<|fim_pad|>" if "<|fim_pad|>" in vocab else ("<|endoftext|>" if "<|endoftext|>" in vocab else END)
    return tokenizer


def load_model(args, tokenizer, recipe, dtype):
    import transformers
    if args.tiny_random_model:
        # A small Qwen2-architecture model, randomly initialised from a config: no download.
        config = transformers.Qwen2Config(
            vocab_size=len(tokenizer), hidden_size=128, intermediate_size=256, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=max(recipe["block_size"], 4096),
            tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id)
        transformers.set_seed(recipe["seed"])
        return transformers.Qwen2ForCausalLM(config).to(dtype)
    return transformers.AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=dtype)


class Collator:
    def __init__(self, pad_id):
        self.pad_id = pad_id

    def __call__(self, batch):
        import torch
        width = max(len(b["input_ids"]) for b in batch)
        ids = [b["input_ids"] + [self.pad_id] * (width - len(b["input_ids"])) for b in batch]
        labels = [b["labels"] + [-100] * (width - len(b["labels"])) for b in batch]
        mask = [[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}


def train(args):
    import torch
    import transformers

    recipe = load_recipe(args.recipe, args.bundle)
    for key, value in (("block_size", args.block_size), ("learning_rate", args.learning_rate),
                       ("num_train_epochs", args.epochs), ("global_batch_size", args.global_batch_size)):
        if value is not None:
            recipe[key] = value
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    micro = recipe["per_device_train_batch_size"]
    accumulation = max(1, recipe["global_batch_size"] // (world * micro))
    cuda = torch.cuda.is_available()
    bf16 = bool(recipe["bf16"]) and cuda and torch.cuda.is_bf16_supported()
    dtype = torch.bfloat16 if bf16 else torch.float32

    tokenizer = load_tokenizer(args)
    texts = read_texts(args.bundle)
    examples, skipped = tokenize_rows(texts, tokenizer, recipe["block_size"], recipe["response_template"])
    if rank == 0:
        print("[train] %d rows, %d skipped (no assistant tokens within the block size); world %d, micro batch %d, "
              "gradient accumulation %d (global batch %d), bf16 %s"
              % (len(examples), skipped, world, micro, accumulation, world * micro * accumulation, bf16), flush=True)
    model = load_model(args, tokenizer, recipe, dtype)

    fsdp = recipe["fsdp"] if (world > 1 and not args.no_fsdp) else ""
    fsdp_config = {"transformer_layer_cls_to_wrap": [recipe["fsdp_transformer_layer_cls_to_wrap"]]} if fsdp else None
    training_args = transformers.TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=recipe["num_train_epochs"],
        max_steps=args.max_steps if args.max_steps else -1,
        learning_rate=recipe["learning_rate"],
        lr_scheduler_type=recipe["lr_scheduler_type"],
        warmup_ratio=recipe["warmup_ratio"],
        weight_decay=recipe["weight_decay"],
        adam_beta1=recipe["adam_beta1"],
        adam_beta2=recipe["adam_beta2"],
        bf16=bf16,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        gradient_checkpointing=bool(recipe["gradient_checkpointing"]) and cuda,
        logging_steps=recipe["logging_steps"],
        save_strategy=recipe["save_strategy"],
        seed=recipe["seed"],
        fsdp=fsdp,
        fsdp_config=fsdp_config,
        report_to="none",
        remove_unused_columns=False,
        use_cpu=not cuda,
    )
    trainer = transformers.Trainer(model=model, args=training_args, train_dataset=examples,
                                   data_collator=Collator(tokenizer.pad_token_id))
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    if trainer.is_world_process_zero():
        os.makedirs(args.output_dir, exist_ok=True)
        with open(os.path.join(args.output_dir, "loss.json"), "w", encoding="utf-8") as f:
            json.dump({"losses": losses, "recipe": recipe, "rows": len(examples)}, f, indent=2)
        if losses:
            print("[train] loss %.4f -> %.4f over %d logged steps" % (losses[0], losses[-1], len(losses)), flush=True)
    if not args.no_save:
        trainer.save_model(args.output_dir)
        if trainer.is_world_process_zero():
            tokenizer.save_pretrained(args.output_dir)
    return losses


def parse_args(argv):
    p = argparse.ArgumentParser(description="Train on a distill handoff bundle with the s1 recipe, or --dry-run to validate it.")
    p.add_argument("--bundle", required=True, help="the handoff directory (<run>/handoff)")
    p.add_argument("--dry-run", action="store_true", help="validate the bundle only (standard library; no GPU)")
    p.add_argument("--model", help="local model directory (config, weights, tokenizer)")
    p.add_argument("--tokenizer", help="tokenizer.json or tokenizer directory (default: --model)")
    p.add_argument("--tiny-random-model", action="store_true",
                   help="train a small randomly initialised Qwen2 model built from a config (smoke test; needs --tokenizer)")
    p.add_argument("--output-dir", default="ckpts/s1", help="checkpoints and loss.json")
    p.add_argument("--recipe", help="recipe.json (default: BUNDLE/train/recipe.json, else s1's defaults)")
    p.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    p.add_argument("--epochs", type=float, help="override num_train_epochs")
    p.add_argument("--learning-rate", type=float, help="override learning_rate")
    p.add_argument("--block-size", type=int, help="override block_size")
    p.add_argument("--global-batch-size", type=int, help="override global_batch_size")
    p.add_argument("--no-fsdp", action="store_true", help="plain data parallel even with several processes")
    p.add_argument("--no-save", action="store_true", help="do not write the trained model")
    p.add_argument("--skip-validation", action="store_true", help="train without validating the bundle first")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.isdir(args.bundle):
        print("train.py: Cannot read bundle %s: not a directory; pass --bundle <run>/handoff" % args.bundle, file=sys.stderr)
        return 2
    if args.dry_run or not args.skip_validation:
        validation = validate_bundle(args.bundle)
        if validation.problems:
            print("train.py: Cannot train on %s: %d problem(s); re-export it (bin/distill run) or copy it again:"
                  % (args.bundle, len(validation.problems)), file=sys.stderr)
            for problem in validation.problems:
                print("  - " + problem, file=sys.stderr)
            return 1
        print("[train] bundle %s is valid: %d rows; checksums, schema and chat markers match" % (args.bundle, validation.rows))
        if args.dry_run:
            return 0
    if not args.model and not args.tiny_random_model:
        print("train.py: Cannot train: no --model; pass a local model directory (or --tiny-random-model --tokenizer FILE)", file=sys.stderr)
        return 2
    if args.tiny_random_model and not (args.tokenizer or args.model):
        print("train.py: Cannot build the tiny model: no --tokenizer; pass a tokenizer.json", file=sys.stderr)
        return 2
    losses = train(args)
    return 0 if (not losses or all(math.isfinite(x) for x in losses)) else 1


if __name__ == "__main__":
    sys.exit(main())
