"""Run under `accelerate launch` (or alone): streaming FID/KID/CLIP over a fixed image set,
each process feeding its share; the main process writes the scores to argv[2]."""
import json
import os
import sys
from pathlib import Path

import torch
from accelerate import PartialState

from realiz3d.evaluation.backbone_metrics import ClipScorer, InceptionFeatures, StreamingScores

weights = json.loads(Path(sys.argv[1]).read_text())
state = PartialState(cpu=not torch.cuda.is_available())  # without cpu=True a CPU launch forms no group
g = torch.Generator().manual_seed(0)
refs = torch.rand(20, 3, 32, 32, generator=g) * 2 - 1
gen = torch.rand(20, 3, 32, 32, generator=g) * 2 - 1
texts = ["a mug", "a wood chair", "a grass lamp", "a vase"] * 5
s = StreamingScores(InceptionFeatures(weights["inception"], device="cpu"), ClipScorer(weights["clip"], device="cpu"),
                    kid_subset_size=20, kid_subsets=2)
mine = list(range(state.process_index, 20, state.num_processes))
s.update_references(refs[mine])
s.update(gen[mine], [texts[i] for i in mine])
res = s.compute()
if int(os.environ.get("WORLD_SIZE", "1")) != state.num_processes:  # a launch that did not form its group
    raise SystemExit(f"launched as {os.environ['WORLD_SIZE']} processes, but PartialState sees {state.num_processes}")
if state.is_main_process:  # written whole, then moved into place: no reader sees a partial file
    tmp = Path(f"{sys.argv[2]}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(res))
    os.replace(tmp, sys.argv[2])
# Leave together, close the process group, and skip the interpreter's C++ teardown: under load a
# rank sometimes aborted after the script's last line, with no Python frame on the stack
# ("terminate called without an active exception": a native thread still joinable at exit),
# which failed the launch although every score was computed and written.
state.wait_for_everyone()
if torch.distributed.is_available() and torch.distributed.is_initialized():
    torch.distributed.destroy_process_group()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
