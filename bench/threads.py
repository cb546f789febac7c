"""What the `threads` setting does to an autoencoder epoch as the data grows: I-AutoRec and the course network (`sae`)
at 100K, 1M, 10M and 25M synthetic ratings (the shapes of bench/scale.py, written by `sae-movies synth`), each fit in a
fresh process, on one thread (`threads=1`, what the default `threads=-1` means below 5 million training ratings) and on
every core (`threads=0`, what it means from there, and what bench/scale.py measures at every size).

    .venv/bin/python bench/threads.py [--sizes 100k,1m,10m,25m] [--keep DIR] [--epochs 6] [--rounds 2]

Each fit runs `--epochs` epochs without validation; `epoch_ms` is the median of the epochs after the first (the first
also cuts the sparse blocks and touches fresh memory). Huge pages and denormal flushing as `sae-movies` sets them. The
models, settings and sizes take turns over `--rounds` rounds and each figure is the median of its rounds. `loss` is the
last epoch's training loss: whether one and two threads agree to the last digit is reported, not required (two threads
may add a product's terms in another order). Prints the table and saves bench/results/threads.json. This machine is
shared and noisy: compare ratios, not absolute times.
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, take_turns, save_results, as_the_command, answer_child, bench_args, time_epochs, peak_gb

MODELS, THREADS = ['autorec', 'sae'], [1, 0]

def child(kind, folder, release, epochs)->dict: # epoch_s, loss, peak_gb
    "Fit one model ('autorec/1': I-AutoRec on one thread) for `epochs` in this (fresh) process."
    as_the_command()
    from sae_movies.data import load_dataset
    from sae_movies.models import model_class
    name, threads = kind.split('/')
    ds, times = load_dataset(release, path=folder), time_epochs()
    m = model_class(name)(epochs=epochs, valid_frac=0, refit=False, threads=int(threads))
    m.fit(ds.ratings, imap=ds.imap, scale=ds.info.rating_scale)
    return {'epoch_s': float(np.median(times[1:])), 'loss': float(m.history.train_mse.iloc[-1]), 'peak_gb': peak_gb()}

def run(sizes, keep, epochs, rounds)->pd.DataFrame: # one row per size, model and thread setting
    root, kinds = Path(keep or tempfile.mkdtemp()), [f'{m}/{t}' for m in MODELS for t in THREADS]
    got = take_turns({s: synth_folder(root, s)[0] for s in sizes}, kinds, epochs, rounds, __file__)
    return pd.DataFrame([{'size': s, 'model': k.split('/')[0], 'threads': int(k.split('/')[1]), 'ratings': SIZES[s][2],
                          'epoch_ms': float(np.median([r['epoch_s'] for r in rs])) * 1e3, 'loss': rs[0]['loss'],
                          'peak_gb': float(np.median([r['peak_gb'] for r in rs])), 'epoch_ms_runs': [r['epoch_s'] * 1e3 for r in rs]}
                         for (s, k), rs in got.items()])

if __name__ == '__main__':
    answer_child(child)
    p = bench_args(__doc__, '100k,1m,10m,25m', epochs=(6, 'epochs of each fit (all but the first are timed)'),
                   rounds=(2, 'fits of each size, model and setting, taking turns (medians reported)'))
    a = p.parse_args()
    if a.epochs < 2: p.error('--epochs must be at least 2 (the first epoch is not timed)')
    t0 = time.perf_counter()
    t = run(a.sizes.split(','), a.keep, a.epochs, a.rounds)
    w = t.pivot_table(index=['model', 'size'], columns='threads', values='epoch_ms', sort=False)
    w['one / all cores'] = w[1] / w[0]  # above 1: every core is faster
    print(f'\nmilliseconds per epoch (median of epochs 2..{a.epochs}), threads=1 and threads=0 (every core):\n{w.round(2).to_string()}')
    save_results(Path(__file__).parent/'results'/'threads.json', t0, rows=t.to_dict(orient='records'), epochs=a.epochs, rounds=a.rounds,
                 huge_pages=huge_pages(), flush_denormal=flush_denormal())
