"""Where an I-AutoRec epoch's time goes as the data grows: PyTorch's profiler over the epochs of a fit at 1M, 10M and
25M synthetic ratings (the shapes of ML-1M, ML-10M and ML-25M, written by `sae-movies synth` as bench/scale.py writes
them), each operator's time per epoch grouped by what it does, as a multiple of its 1M time beside the ratings'.

    .venv/bin/python bench/epoch_profile.py [--sizes 1m,10m,25m] [--keep DIR] [--epochs 5] [--rounds 3]

Each size runs in a fresh process, as in bench/scale.py: I-AutoRec's default settings on every core (threads=0), no
validation, huge pages and denormals flushed as `sae-movies` does; the first epoch is left out (it cuts the blocks and touches fresh
memory), the others are profiled, each on its own. An operator's time is its self time on the calling thread (the work of
both cores inside one call counts once), so the groups add up to about the epoch's wall time (`epoch_ms`, timed around
the profiler, so a little over bench/scale.py's figure). `between_ms` is the training loop's own work between two
epochs, outside the profile: its copies of the weights and the optimizer's state, kept for NaN and Ctrl-C (03_train).
The sizes take turns over `--rounds` rounds and each figure is the median of its rounds. Prints the table and saves
bench/results/epoch_profile.json. This machine is shared and noisy: compare ratios, not absolute times.
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, take_turns, save_results, as_the_command, answer_child, bench_args

GROUPS = {'aten::addmm': 'sparse x dense products', 'aten::sparse_sampled_addmm': 'output layer at the ratings',
          'aten::copy_': 'copies', 'aten::index_select': 'gathers', 'aten::cat': 'copies', 'aten::fill_': 'zeroing',
          'aten::uniform_': 'dropout draws', 'aten::bernoulli_': 'dropout draws', 'aten::_fused_adam_': 'optimizer'}
ORDER = ['sparse x dense products', 'output layer at the ratings', 'copies', 'gathers', 'zeroing', 'dropout draws', 'optimizer', 'everything else']

def child(model, folder, release, epochs)->dict: # epoch_s, between_s (medians of the profiled epochs), ms: {group: ms per epoch}
    "Fit `model` (I-AutoRec here) for `epochs` in this (fresh) process, profiling every epoch after the first, and timing the gaps between them."
    as_the_command()
    import torch
    from sae_movies.data import load_dataset
    from sae_movies.models import model_class
    from sae_movies.sae import AutoencoderModel
    ds, epoch, times, gaps, ends, ms = load_dataset(release, path=folder), AutoencoderModel._epoch, [], [], [], dict.fromkeys(ORDER, 0.)
    def profiled(self, *a):  # instrumentation only: the same method, timed, and profiled from the second epoch on
        t = time.perf_counter()
        if ends: gaps.append(t - ends[-1])  # the training loop's work between two epochs (its copies of the weights and optimizer state)
        if not times: r = epoch(self, *a)
        else:
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof: r = epoch(self, *a)
            for e in prof.key_averages(): ms[GROUPS.get(e.key, 'everything else')] += e.self_cpu_time_total / 1e3 / (epochs - 1)
        times.append(time.perf_counter() - t); ends.append(time.perf_counter())
        return r
    AutoencoderModel._epoch = profiled
    model_class(model)(epochs=epochs, valid_frac=0, refit=False, threads=0).fit(ds.ratings, imap=ds.imap, scale=ds.info.rating_scale)
    return {'epoch_s': float(np.median(times[1:])), 'between_s': float(np.median(gaps[1:])), 'ms': ms}

def run(sizes, keep, epochs, rounds)->pd.DataFrame: # one row per size: ratings, epoch_ms (wall), between_ms, one column per group (ms per epoch)
    root = Path(keep or tempfile.mkdtemp())  # each fit in a fresh process, as bench/scale.py measures
    got = {s: rs for (s, _), rs in take_turns({s: synth_folder(root, s)[0] for s in sizes}, ['autorec'], epochs, rounds, __file__).items()}
    return pd.DataFrame([{'size': s, 'ratings': SIZES[s][2], 'epoch_ms': float(np.median([r['epoch_s'] for r in rs])) * 1e3,
                          'between_ms': float(np.median([r['between_s'] for r in rs])) * 1e3,
                          **{g: float(np.median([r['ms'][g] for r in rs])) for g in ORDER}} for s, rs in got.items()])

def growth(t:pd.DataFrame)->pd.DataFrame:
    "Each size against the first: a cost growing no faster than the ratings has a multiple <= the ratings column."
    cols = ['ratings', 'epoch_ms', *ORDER, 'between_ms']
    return (t[cols] / t[cols].iloc[0]).set_axis(t['size']).round(1)

if __name__ == '__main__':
    answer_child(child)
    p = bench_args(__doc__, epochs=(5, 'epochs of each fit (the first is not profiled)'), rounds=(3, 'fits at each size, the sizes taking turns (medians reported)'))
    a = p.parse_args()
    if a.epochs < 2: p.error('--epochs must be at least 2 (the first epoch is not profiled)')
    t0 = time.perf_counter()
    t = run(a.sizes.split(','), a.keep, a.epochs, a.rounds)
    print('\nmilliseconds per epoch:\n' + t.round(1).to_string(index=False))
    print(f'\neach against {t["size"].iloc[0]} (a cost growing no faster than the ratings has a multiple <= the ratings column):\n{growth(t).T.to_string()}')
    save_results(Path(__file__).parent/'results'/'epoch_profile.json', t0, rows=t.to_dict(orient='records'), groups=GROUPS, epochs=a.epochs,
                 rounds=a.rounds, threads='all cores (threads=0)', huge_pages=huge_pages(), flush_denormal=flush_denormal())
