"""What denormal floats cost an I-AutoRec epoch as the data grows: epochs at 1M, 10M and 25M synthetic ratings (the shapes
of ML-1M, ML-10M and ML-25M, written by `sae-movies synth` as bench/scale.py writes them), each fit in a fresh process,
under three settings:

- `kept`: denormals left as they are (03_train's `FLUSH_OPERANDS` off, no `use_flush_denormal`): the code before
  denormals were dealt with;
- `operands flushed`: the sparse layers set the denormal entries of what they multiply to 0 (`flush_denormals`), the
  processor's mode as it comes: what a Python user gets without calling `use_flush_denormal`;
- `flushed everywhere`: both, with the processor told to treat denormals as zero on every thread (`use_flush_denormal`
  before any tensor): what `sae-movies` does.

    .venv/bin/python bench/denormals.py [--sizes 1m,10m,25m] [--keep DIR] [--epochs 12] [--rounds 2]

The hidden units of a sigmoid layer saturate more as the ratings per movie grow, so the first epochs are not the
steady state: each fit runs `--epochs` epochs and `epoch_ms` is the median of the second half of them (`first_half_ms`,
the median of the epochs before, leaving out the first, which also cuts the sparse blocks). I-AutoRec's default settings
on every core (threads=0), no validation, huge pages as `sae-movies` asks for them. `loss` is the last epoch's training
loss: the settings change only numbers below 1.2e-38, and the script reports whether the losses agree. The settings
and sizes take turns over `--rounds` rounds and each figure is the median of its rounds. Prints the tables and saves
bench/results/denormals.json. This machine is shared and noisy: compare ratios, not absolute times.
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, take_turns, save_results, answer_child, bench_args, time_epochs, peak_gb

SETTINGS = ['kept', 'operands flushed', 'flushed everywhere']

def child(setting, folder, release, epochs)->dict: # epoch_s, first_half_s, loss, denormal_share, peak_gb
    "Fit I-AutoRec for `epochs` in this (fresh) process under one of `SETTINGS`."
    from sae_movies.train import use_huge_pages, use_flush_denormal
    use_huge_pages()
    if setting == 'flushed everywhere' and not use_flush_denormal(): raise SystemExit('this processor cannot flush denormals')
    import sae_movies.train as T
    T.FLUSH_OPERANDS = setting != 'kept'
    from sae_movies.data import load_dataset
    from sae_movies.models import model_class
    ds, times = load_dataset(release, path=folder), time_epochs()
    m = model_class('autorec')(epochs=epochs, valid_frac=0, refit=False, threads=0)
    m.fit(ds.ratings, imap=ds.imap, scale=ds.info.rating_scale)
    half = len(times) // 2
    return {'epoch_s': float(np.median(times[half:])), 'first_half_s': float(np.median(times[1:half])),
            'loss': float(m.history.train_mse.iloc[-1]), 'peak_gb': peak_gb()}

def run(sizes, keep, epochs, rounds)->pd.DataFrame: # one row per size and setting
    root = Path(keep or tempfile.mkdtemp())
    got = take_turns({s: synth_folder(root, s)[0] for s in sizes}, SETTINGS, epochs, rounds, __file__)
    return pd.DataFrame([{'size': s, 'setting': k, 'ratings': SIZES[s][2], 'epoch_ms': float(np.median([r['epoch_s'] for r in rs])) * 1e3,
                          'first_half_ms': float(np.median([r['first_half_s'] for r in rs])) * 1e3, 'loss': rs[0]['loss'],
                          'losses_agree': len({r['loss'] for r in rs}) == 1, 'peak_gb': float(np.median([r['peak_gb'] for r in rs])),
                          'epoch_ms_runs': [r['epoch_s'] * 1e3 for r in rs]} for (s, k), rs in got.items()])

def growth(t:pd.DataFrame)->pd.DataFrame:
    "Epoch time at each size as a multiple of the first size's, per setting, beside the ratings' multiple."
    w = t.pivot(index='size', columns='setting', values='epoch_ms').loc[t['size'].unique(), SETTINGS]
    r = t.drop_duplicates('size').set_index('size').ratings
    return pd.concat([r / r.iloc[0], w / w.iloc[0]], axis=1).round(1)

if __name__ == '__main__':
    answer_child(child)
    p = bench_args(__doc__, epochs=(12, 'epochs of each fit (the second half is timed)'), rounds=(2, 'fits of each size and setting, taking turns (medians reported)'))
    a = p.parse_args()
    if a.epochs < 4: p.error('--epochs must be at least 4 (the first half of the epochs is not the steady state)')
    t0 = time.perf_counter()
    t = run(a.sizes.split(','), a.keep, a.epochs, a.rounds)
    print('\nmilliseconds per epoch (median of the second half of the epochs):')
    print(t.pivot(index='size', columns='setting', values='epoch_ms').loc[t['size'].unique(), SETTINGS].round(1).to_string())
    print(f'\neach against {t["size"].iloc[0]} (a cost growing no faster than the ratings has a multiple <= the ratings column):\n{growth(t).to_string()}')
    print('\ntraining losses the same under every setting (to the last digit):',
          bool((t.groupby('size').loss.nunique() == 1).all()), '\n' + t.pivot(index='size', columns='setting', values='loss').loc[t['size'].unique(), SETTINGS].to_string())
    save_results(Path(__file__).parent/'results'/'denormals.json', t0, rows=t.to_dict(orient='records'), epochs=a.epochs, rounds=a.rounds,
                 threads='all cores (threads=0)', huge_pages=huge_pages())
