# Continue a DPO Studio run with Hugging Face TRL's KTOTrainer: the same rows, model and settings.
# Written for trl==1.9.0 (see requirements.txt); other releases rename or drop options.
#
#   python train_kto.py                                 # one GPU (or the CPU)
#   accelerate launch --num_processes 8 train_kto.py    # 8 GPUs: the batch per step is 8x larger
#
# What the browser run did that this script does not reproduce:
#   - the data order and the train/eval split: KTOTrainer reads the rows in file order (train_sampling_strategy "sequential", which its KL estimate needs) and datasets splits with its own shuffle
#   - max prompt length (128 tokens, the last ones kept): trl==1.9.0 has no prompt limit; it cuts prompt + completion to max_length from the end (truncation_mode "keep_start"), so a longer prompt keeps its start
#   - LoRA dropout 0.05: the trainer's disable_dropout (on, which keeps the base model's own dropout off as in the browser) also zeroes PEFT's lora_dropout
#   - skipNonFinite (false) and checkpointEvery (0): the Trainer has neither; it saves every save_steps
#   - sampling during training (sampleEvery 50, temperature 1, top-k 0, top-p 1, 32 new tokens)
from pathlib import Path

from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import KTOConfig, KTOTrainer

HERE = Path(__file__).resolve().parent
MODEL = "./model"
DATASET_NAME = "imdb \"sentiment\" pairs"


def main():
    # A folder next to this script wins over a Hub id of the same name.
    model_ref = str(HERE / MODEL) if (HERE / MODEL).is_dir() else MODEL
    dataset = load_dataset("json", data_files=str(HERE / "data" / "train.jsonl"), split="train")
    split = dataset.train_test_split(test_size=0.1, seed=1234)
    tokenizer = AutoTokenizer.from_pretrained(model_ref)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # GPT-2's own tokenizer has no pad token
    model = AutoModelForCausalLM.from_pretrained(model_ref)
    args = KTOConfig(
        output_dir="kto-output",
        beta=0.1,
        loss_type="kto",
        desirable_weight=1.33,
        undesirable_weight=0.75,
        precompute_ref_log_probs=True,
        learning_rate=0.00005,
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=10,
        max_steps=300,
        per_device_train_batch_size=8,
        gradient_accumulation_steps=2,
        max_length=256,
        optim="adamw_torch",
        weight_decay=0,
        max_grad_norm=1,
        seed=1234,
        eval_strategy="steps",
        eval_steps=50,
        per_device_eval_batch_size=8,
        bf16=False,
        logging_steps=1,
        report_to="none",
    )
    peft_config = LoraConfig(
        r=8,
        lora_alpha=16,
        lora_dropout=0.05,
        target_modules=["c_attn", "c_proj"],
        fan_in_fan_out=True,  # GPT-2 stores its projections as Conv1D [in, out]
        task_type="CAUSAL_LM",
    )
    print(f"KTO on {DATASET_NAME} from {model_ref}")
    trainer = KTOTrainer(
        model=model,
        args=args,
        train_dataset=split["train"],
        eval_dataset=split["test"],
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    trainer.save_model(args.output_dir)


if __name__ == "__main__":
    main()
