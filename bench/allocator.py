"""How much of I-AutoRec's epoch at scale is the memory allocator's: time per epoch and peak memory at 1M, 10M and 25M
synthetic ratings (bench/scale.py's data) under glibc's malloc as it comes, glibc told to keep freed memory for reuse,
tcmalloc, jemalloc, and PyTorch's own switch to huge pages (alone and with freed memory kept), in one run.

    .venv/bin/python bench/allocator.py [--sizes 1m,10m,25m] [--keep DIR] [--rounds 3] [--epochs 5]

Why it matters: glibc's malloc hands every freed block of more than 32 MiB back to the operating system, and the next
allocation of that size takes fresh pages, which the kernel must fault in and zero. A full-batch step at 25M allocates
a dozen such blocks (100 MB of values per rating-sized tensor, 130 MB per users-wide matrix); at 1M none is that big.
Huge pages (2 MiB instead of 4 KiB) cut those faults, and the misses of the processor's address cache, 512-fold:
PyTorch asks the kernel for them on every tensor of 2 MiB or more when `THP_MEM_ALLOC_ENABLE=1` is set before its first
such tensor (Linux, with transparent huge pages `always` or `madvise`). `sae-movies` sets it (12_cli); a Python user
sets it themselves (14_scale). The allocator is chosen when Python starts, by environment variables (`GLIBC_TUNABLES`,
`LD_PRELOAD`, `THP_MEM_ALLOC_ENABLE`), and this script starts each measurement in a fresh process with one of them and
`THP_MEM_ALLOC_ENABLE=0` otherwise, so that the `sae-movies` default does not leak into the others. Every process treats
denormal floats as zero, as `sae-movies` does (03_train's `use_flush_denormal`; `SAE_MOVIES_FLUSH_DENORMAL=0` keeps them).

Every run fits the same seeded model, so the training losses must agree to the last digit whatever the allocator (the
script checks it). Epoch times are medians over the epochs after the first (which also builds the sparse blocks); each
configuration is run `--rounds` times, the configurations taking turns, and the median run is kept. Peak memory is the
process's ru_maxrss. Allocators that are not installed are skipped and listed (Debian: `apt install libtcmalloc-minimal4
libjemalloc2`). Prints a table and saves bench/results/allocator.json. This machine is shared and noisy: compare ratios.
"""
import ctypes.util, json, os, platform, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, time_epochs, flush_denormal, answer_child, bench_args, save_results, machine  # the same synthetic data as bench/scale.py

KEEP = 'glibc.malloc.mmap_threshold=1073741824' # blocks up to 1 GiB come from (and go back to) the heap, for reuse
LIBS = {'tcmalloc': 'tcmalloc_minimal', 'jemalloc': 'jemalloc'} # names as ctypes.util.find_library takes them

def configs()->dict: # name -> extra environment (None: not installed here)
    "The allocator settings compared."
    c = {'glibc': {}, 'glibc, freed memory kept': {'GLIBC_TUNABLES': KEEP}}
    for name, lib in LIBS.items(): c[name] = (so := ctypes.util.find_library(lib)) and {'LD_PRELOAD': so}  # the dynamic linker finds it by that name
    c['huge pages'] = {'THP_MEM_ALLOC_ENABLE': '1'}
    c['huge pages, freed memory kept'] = {'THP_MEM_ALLOC_ENABLE': '1', 'GLIBC_TUNABLES': KEEP}
    return {k: None if v is None else {'THP_MEM_ALLOC_ENABLE': '0', **v} for k, v in c.items()}

def child(folder, release, epochs):
    "Fit I-AutoRec in this (fresh) process; its epoch times, last training loss and peak memory."
    from sae_movies.train import use_flush_denormal
    use_flush_denormal()  # denormals treated as zero, as `sae-movies` does (huge pages come from the environment, per setting)
    from sae_movies.data import load_dataset
    from sae_movies.models import model_class
    ds = load_dataset(release, path=folder)
    times = time_epochs()
    m = model_class('autorec')(epochs=epochs, valid_frac=0, refit=False, threads=0)
    m.fit(ds.ratings, imap=ds.imap, scale=ds.info.rating_scale)
    return {'epoch_s': float(np.median(times[1:])), 'first_epoch_s': times[0], 'loss': float(m.history.train_mse.iloc[-1]),
            'peak_gb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}

def measure(env:dict, folder, release, epochs)->dict:
    "`child` in a fresh Python process started with `env` added to the environment."
    r = subprocess.run([sys.executable, __file__, '--child', str(folder), release, str(epochs)], capture_output=True, text=True, env={**os.environ, **env})
    if r.returncode: raise SystemExit(f'{env} on {folder} failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def run(sizes, keep, rounds, epochs):
    root, rows, cs = Path(keep or tempfile.mkdtemp()), [], configs()
    for size in sizes:
        folder, _ = synth_folder(root, size)
        runs = {c: [] for c, env in cs.items() if env is not None}
        for _ in range(rounds):
            for c in runs: runs[c].append(measure(cs[c], folder, SIZES[size][3], epochs))
        for c, rs in runs.items():
            mid = sorted(rs, key=lambda r: r['epoch_s'])[(len(rs) - 1) // 2]
            rows.append({'size': size, 'ratings': SIZES[size][2], 'allocator': c, **mid, 'epoch_s_runs': [r['epoch_s'] for r in rs]})
        losses = {r['loss'] for rs in runs.values() for r in rs}
        if len(losses) != 1: raise SystemExit(f'the allocators trained differently at {size}: losses {sorted(losses)}')
        print(pd.DataFrame(rows[-len(runs):]).drop(columns='epoch_s_runs').round(3).to_string(index=False), flush=True)
    return rows, [c for c, env in cs.items() if env is None]

def growth(t:pd.DataFrame)->pd.DataFrame:
    "Each allocator's epoch time at each size as a multiple of its own at the first size, beside the ratings' multiple."
    e = t.pivot(index='size', columns='allocator', values='epoch_s').loc[t['size'].unique()]
    r = t.drop_duplicates('size').set_index('size').ratings
    return pd.concat([(r / r.iloc[0]).rename('ratings'), e / e.iloc[0]], axis=1).round(1)

if __name__ == '__main__':
    answer_child(child)
    a = bench_args(__doc__, rounds=(3, 'runs of each allocator at each size (the median run is kept)'), epochs=(5, 'epochs per run (the first is not counted)')).parse_args()
    t0 = time.perf_counter()
    rows, missing = run(a.sizes.split(','), a.keep, a.rounds, a.epochs)
    t = pd.DataFrame(rows)
    print('\n' + t.drop(columns='epoch_s_runs').round(3).to_string(index=False))
    print(f'\ngrowth against {t["size"].iloc[0]} (a timing growing no faster than the ratings has a multiple <= the ratings column):')
    print(growth(t).to_string())
    if missing: print('\nnot installed here, skipped:', ', '.join(missing))
    save_results(Path(__file__).parent/'results'/'allocator.json', t0, machine_info=f'{machine()}, glibc {platform.libc_ver()[1]}', rows=rows,
                 growth=growth(t).reset_index().to_dict(orient='records'), missing=missing, settings=configs(), flush_denormal=flush_denormal(),
                 epochs=a.epochs, rounds=a.rounds)
