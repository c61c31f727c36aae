# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: Copyright contributors to the vLLM project

import torch


def f(x: torch.Tensor) -> torch.Tensor:
    return x * 2
