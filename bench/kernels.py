"""Where I-AutoRec's epoch time goes as the data grows: its three sparse kernels, timed alone, at 1M, 10M and 25M
synthetic ratings (the shapes of ML-1M, ML-10M and ML-25M, written by `sae-movies synth` as bench/scale.py writes them),
each with the cache-sized column blocks of 03_train and without them, in one run.

    .venv/bin/python bench/kernels.py [--sizes 1m,10m,25m] [--keep DIR]

The kernels are those of a full-batch I-AutoRec step (rows are movies, columns users, a 199-wide code plus the bias):
`mm` (ratings x users-wide weights, the first layer), `mm(t)` (the transposed product of its backward pass) and
`sampled` (the output layer evaluated at the ratings only). Times are medians of 7 calls after one warm-up call. Prints
a table, with each time as a multiple of its 1M time beside the ratings' multiple, and saves bench/results/kernels.json.
This machine is shared and noisy: compare ratios, not absolute times.
"""
import argparse, json, os, platform, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, scipy.sparse as sp, torch
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES  # the same synthetic data as bench/scale.py

def median_ms(f, n=7):
    f(); ts = []
    for _ in range(n): t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts)) * 1e3

def kernels(folder, release, width=200):
    "Median milliseconds of each kernel on one dataset, blocked (the package's default) and unblocked."
    import sae_movies.train as T
    from sae_movies.data import load_dataset, ratings_csr
    ds = load_dataset(release, path=folder)
    X = sp.csr_matrix(ratings_csr(ds.ratings, ds.imap).T, dtype=np.float32)  # I-AutoRec's rows: movies x users
    g = torch.Generator().manual_seed(0)
    W, H = torch.randn(X.shape[1], width, generator=g), torch.randn(X.shape[0], width, generator=g)
    out, above = {}, T.TILE_ABOVE
    for how, limit in (('blocked', above), ('unblocked', 1 << 62)):
        T.TILE_ABOVE = limit; p = T.RatingPattern(X)
        out[how] = {'mm': median_ms(lambda: p.mm(p.values, W)), 'mm(t)': median_ms(lambda: p.mm(p.values, H, transposed=True)),
                    'sampled': median_ms(lambda: p.sampled(H, W))}
    T.TILE_ABOVE = above
    return X.nnz, out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--sizes', default='1m,10m,25m'); ap.add_argument('--keep', help='folder for the generated data (kept; shared with bench/scale.py --keep)')
    a = ap.parse_args()
    from sae_movies.synth import synthesize
    t0, root, rows = time.perf_counter(), Path(a.keep or tempfile.mkdtemp()), []
    for size in a.sizes.split(','):
        n_users, n_movies, n_ratings, release = SIZES[size]
        folder = root/f'{release}-{size}'
        if not folder.exists(): synthesize(folder, n_users, n_movies, n_ratings, release, seed=0)
        nnz, res = kernels(folder, release)
        for how, ms in res.items(): rows.append({'size': size, 'ratings': nnz, 'blocks': how, **ms})
        print(pd.DataFrame(rows[-2:]).round(1).to_string(index=False), flush=True)
    t = pd.DataFrame(rows)
    base = t[t['size'] == t['size'].iloc[0]].set_index('blocks')
    ratio = t.assign(**{c: t[c] / t.blocks.map(base[c]) for c in ['ratings', 'mm', 'mm(t)', 'sampled']}).round(1)
    print(f'\nmilliseconds (median of 7):\n{t.round(1).to_string(index=False)}\n\neach against {t["size"].iloc[0]} '
          f'(a kernel growing no faster than the ratings has a multiple <= the ratings column):\n{ratio.to_string(index=False)}')
    path = Path(__file__).parent/'results'/'kernels.json'
    path.write_text(json.dumps({'rows': rows, 'ratios': ratio.to_dict(orient='records'), 'width': 200, 'threads': 'all cores',
                                'machine': f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores',
                                'date': time.strftime('%Y-%m-%d %H:%M'), 'seconds': time.perf_counter() - t0}, indent=1) + '\n')
    print(f'\nsaved {path}')
