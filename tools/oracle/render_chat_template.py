"""Renders chat templates with Python's jinja2 the way transformers and TRL do, as an oracle.

Written from transformers' `apply_chat_template` / `render_jinja_template` (chat_template_utils.py)
and TRL's `apply_chat_template` (data_utils.py), without either package (neither is installable
here); it needs Debian's python3-jinja2 (>= 3.1).

transformers' render environment, reproduced here:
- `ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])`;
- a `tojson` filter that does not escape HTML (`json.dumps(x, ensure_ascii=False, ...)`);
- globals `raise_exception(message)` and `strftime_now(format)` (here reading a fixed clock, so
  Llama 3.x's "Today Date:" line is reproducible);
- the scope `{**special_tokens_map, **kwargs}` plus `messages`, `tools=None`, `documents=None` and
  `add_generation_prompt`, where special_tokens_map holds the tokenizer_config.json tokens that
  are set (bos/eos/unk/sep/pad/cls/mask as strings, additional_special_tokens as a list);
- `continue_final_message`: the final message gets a tag appended, the chat is rendered, and
  the text is cut at the tag (and right-stripped when the template trimmed the tag's space).

TRL's split of a preference row (apply_chat_template in data_utils.py): the prompt is rendered
with the generation prompt when its last turn is user/tool and continued when it is assistant;
prompt + chosen and prompt + rejected are rendered in full; the prompt becomes the common prefix
of itself and each full text in turn, and each completion is its full text after the prompt
known at that point (so when the rejected text shortens the prompt, TRL's prompt + chosen is no
longer the rendered chosen conversation; `full_chosen` / `full_rejected` are those renderings).
Rows without a prompt (implicit prompt) render chosen and rejected alone.

Reads a JSON request on stdin, writes the results as JSON on stdout:

    {"cases": [
      {"kind": "render", "config": "path/tokenizer_config.json", "messages": [...],
       "add_generation_prompt": true, "continue_final_message": false, "kwargs": {}, "now": [2024, 7, 26, 9, 5, 0]},
      {"kind": "trl", "config": "...", "example": {"prompt": [...], "chosen": [...], "rejected": [...]}, "kwargs": {}, "now": [...]}
    ]}
    -> {"results": [{"text": "..."} | {"error": "..."} | {"prompt", "chosen", "rejected", "full_chosen", "full_rejected"}]}
"""

import json
import sys
from datetime import datetime
from itertools import takewhile

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

SPECIAL_TOKENS_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "additional_special_tokens"]
CONTINUE_FINAL_MESSAGE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


def token_content(value):
    if isinstance(value, dict):
        return value.get("content")
    return value


def special_tokens_map(config):
    out = {}
    for key in SPECIAL_TOKENS_ATTRIBUTES:
        value = config.get(key)
        if value is None:
            continue
        out[key] = [token_content(v) for v in value] if isinstance(value, list) else token_content(value)
    return out


def chat_template_of(config):
    template = config.get("chat_template")
    if isinstance(template, list):
        template = next(t["template"] for t in template if t.get("name") == "default")
    return template


def compile_template(template, now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(template)


class Tokenizer:
    """The part of a transformers tokenizer that apply_chat_template reads."""

    def __init__(self, config_path, now):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
        self.chat_template = chat_template_of(config)
        self.special_tokens_map = special_tokens_map(config)
        self.compiled = compile_template(self.chat_template, now)

    def apply_chat_template(self, conversation, add_generation_prompt=False, continue_final_message=False, **kwargs):
        if continue_final_message and add_generation_prompt:
            raise ValueError("continue_final_message and add_generation_prompt are not compatible")
        template_kwargs = {**self.special_tokens_map, **kwargs}
        chat = [dict(m) for m in conversation]
        if continue_final_message:
            final_message = chat[-1]["content"]
            chat[-1]["content"] = final_message + CONTINUE_FINAL_MESSAGE_TAG
        rendered = self.compiled.render(messages=chat, tools=None, documents=None, add_generation_prompt=add_generation_prompt, **template_kwargs)
        if continue_final_message:
            if final_message.strip() not in rendered or CONTINUE_FINAL_MESSAGE_TAG.strip() not in rendered:
                raise ValueError("continue_final_message is set but the final message does not appear in the chat after applying the chat template")
            tag_loc = rendered.rindex(CONTINUE_FINAL_MESSAGE_TAG.strip())
            if rendered[tag_loc : tag_loc + len(CONTINUE_FINAL_MESSAGE_TAG)] == CONTINUE_FINAL_MESSAGE_TAG:
                rendered = rendered[:tag_loc]
            else:
                rendered = rendered[:tag_loc].rstrip()
        return rendered


def common_prefix(a, b):
    return "".join(x for x, _ in takewhile(lambda x: x[0] == x[1], zip(a, b)))


def trl_apply_chat_template(example, tokenizer, **template_kwargs):
    """TRL's apply_chat_template for preference rows (explicit or implicit prompt)."""
    if "prompt" in example:
        last_role = example["prompt"][-1]["role"]
        if last_role in ["user", "tool"]:
            add_generation_prompt, continue_final_message = True, False
        elif last_role == "assistant":
            add_generation_prompt, continue_final_message = False, True
        else:
            raise ValueError(f"Invalid role in the last message: {last_role}")
        prompt = tokenizer.apply_chat_template(example["prompt"], continue_final_message=continue_final_message, add_generation_prompt=add_generation_prompt, **template_kwargs)
        prompt_chosen = tokenizer.apply_chat_template(example["prompt"] + example["chosen"], **template_kwargs)
        prompt = common_prefix(prompt, prompt_chosen)
        chosen = prompt_chosen[len(prompt) :]
        prompt_rejected = tokenizer.apply_chat_template(example["prompt"] + example["rejected"], **template_kwargs)
        prompt = common_prefix(prompt, prompt_rejected)
        rejected = prompt_rejected[len(prompt) :]
        return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "full_chosen": prompt_chosen, "full_rejected": prompt_rejected}
    chosen = tokenizer.apply_chat_template(example["chosen"], **template_kwargs)
    rejected = tokenizer.apply_chat_template(example["rejected"], **template_kwargs)
    return {"prompt": "", "chosen": chosen, "rejected": rejected, "full_chosen": chosen, "full_rejected": rejected}


def run_case(case):
    tokenizer = Tokenizer(case["config"], datetime(*case.get("now", [2024, 7, 26, 12, 0, 0])))
    kwargs = case.get("kwargs", {})
    if case["kind"] == "render":
        text = tokenizer.apply_chat_template(
            case["messages"],
            add_generation_prompt=case.get("add_generation_prompt", False),
            continue_final_message=case.get("continue_final_message", False),
            **kwargs,
        )
        return {"text": text}
    if case["kind"] == "trl":
        return trl_apply_chat_template(case["example"], tokenizer, **kwargs)
    raise ValueError(f"unknown case kind {case['kind']!r}")


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            results.append(run_case(case))
        except Exception as error:  # the oracle reports a template failure as data, like the TS side
            results.append({"error": f"{type(error).__name__}: {error}"})
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
