"""The `[classifier]` config section."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClassifierSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Path | None = Field(
        None,
        description=(
            "Local Hugging Face encoder folder to use instead of the bundled all-MiniLM-L6-v2. "
            "The bundled heads only fit the bundled encoder: train heads for another encoder "
            "with `python -m classifiers.training.train --model DIR --out FILE` and set `weights`."
        ),
    )
    weights: Path | None = Field(
        None,
        description="Trained heads/adapters (.safetensors); default = the ones shipped with "
        "schoolwatch for the bundled encoder.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Posts encoded together.")
    max_tokens: int = Field(
        256,
        ge=16,
        le=512,
        description="Tokens per window; longer posts are split into overlapping windows so "
        "nothing at the end of a long post is ignored.",
    )
    threads: int | None = Field(
        None, ge=1, description="CPU threads for inference; default = all cores torch sees."
    )
    precision: Literal["auto", "fp32", "int8", "bf16", "torch-fp32"] = Field(
        "auto",
        description="Encoder arithmetic. 'int8' and 'fp32' run the encoder exported to ONNX with "
        "onnxruntime (int8 = dynamic quantisation; exported once per machine into the cache "
        "folder, $SCHOOLWATCH_CACHE or ~/.cache/schoolwatch); 'torch-fp32' and 'bf16' run it "
        "with torch. 'auto' = int8, chosen by measurement (bench/classify_speed.py): fastest, "
        "and within 0.01 of torch fp32 on the dev figures of bench/classify_eval.py.",
    )
