"""At a fixed number of ratings, what the rating matrix's dimensions cost: an I-AutoRec epoch on the same number of
synthetic ratings (1M and 5M unless --ratings says), spread over the users and movies of ML-1M, ML-10M and ML-25M
(the dimensions of bench/scale.py's sizes 1m, 10m and 25m; --sizes picks them), in one run.

    .venv/bin/python bench/shape.py [--ratings 1000000,5000000] [--sizes 1m,10m,25m] [--keep DIR] [--epochs 5] [--rounds 3]

bench/scale.py grows the ratings and the dimensions together, as the releases do; this script holds the ratings still,
so that what remains is what the dimensions themselves cost: the weights and the optimizer (one row per user), the
code of every movie, the cache-sized blocks that the products are cut into once an operand outgrows the caches, and
the memory traffic between them. A cost that followed the ratings alone would give the same epoch in every row of
the same ratings; two numbers of ratings show whether what the dimensions add depends on the ratings.
Each dataset is written by `sae-movies synth` in ML-25M's format with seed 0 (the same taste model and power laws at
every size; each user keeps at least 20 ratings where the ratings allow it: 1M ratings among ML-25M's 162,541 users
are 6 each, so that dataset is far sparser than any release). Every measurement is bench/scale.py's own:
a fresh process, every core, huge pages and denormals flushed as `sae-movies` runs, the median of the epochs run; the
datasets take turns over --rounds rounds and each figure is the median of its rounds. Prints a table and saves
bench/results/shape.json. This machine is shared and noisy: compare ratios, not absolute times.

Beside the times, each dataset records what the products sweep: how many column blocks (of users) I-AutoRec's first
product is cut into, and the share of the movie rows that hold ratings in each block (the rows a block's product reads
and writes); and, from one more fit, bench/epoch_profile.py's profile of its epochs (milliseconds per epoch by group).
The blocks and row shares are also recorded for bench/scale.py's own datasets of the same sizes (ratings and dimensions
growing together, as in the releases).
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, measure, save_results, bench_args, answer_child, huge_pages, flush_denormal, peak_gb

WIDTH = 200 # I-AutoRec's 199-wide code and its bias, as in bench/kernels.py

def child(kind, folder, release, width)->dict: # blocks, row_share_median, row_share_min
    "The column blocks of I-AutoRec's first product on this dataset, and the share of its rows holding ratings in each (in a fresh process)."
    import scipy.sparse as sp
    from sae_movies.train import use_huge_pages, RatingPattern
    use_huge_pages()
    from sae_movies.data import load_dataset, ratings_csr
    ds = load_dataset(release, path=folder)
    X = sp.csr_matrix(ratings_csr(ds.ratings, ds.imap).T, dtype=np.float32)  # I-AutoRec's rows: movies x users
    crows = [c.numpy() for _, _, c, *_ in RatingPattern(X, width=width)._blocks(False, width)] or [X.indptr]  # not cut: one block
    share = [float((np.diff(c) > 0).mean()) for c in crows]
    return {'blocks': len(crows), 'row_share_median': float(np.median(share)), 'row_share_min': min(share), 'peak_gb': peak_gb()}

def run(ratings:list, sizes:list, root:Path, epochs, rounds)->pd.DataFrame:
    "I-AutoRec's epoch on each number of `ratings` in the dimensions of each of `sizes` (data under `root`), the datasets taking turns."
    folders = {(n, s): synth_folder(root, f'{n}-in-{s}', (*SIZES[s][:2], n, 'ml-25m'))[0] for n in ratings for s in sizes}
    got = {k: [] for k in folders}
    for _ in range(rounds):
        for (n, s), folder in folders.items():
            got[n, s].append(measure('sparse-autorec', folder, 'ml-25m', epochs))
            print(f'{n:,} ratings in {s} dimensions:', round(got[n, s][-1]['epoch_s'], 3), 's an epoch', flush=True)
    rows = {k: measure('rows', folder, 'ml-25m', WIDTH, script=__file__) for k, folder in folders.items()}
    prof = {k: measure('autorec', folder, 'ml-25m', epochs, script=str(Path(__file__).parent/'epoch_profile.py'))['ms'] for k, folder in folders.items()}
    return pd.DataFrame([{'ratings': n, 'dims_of': s, 'users': SIZES[s][0], 'movies': SIZES[s][1],
                          'epoch_s': float(np.median([r['epoch_s'] for r in rs])), 'epoch_s_runs': [r['epoch_s'] for r in rs],
                          'peak_gb': float(np.median([r['peak_gb'] for r in rs])), **{k: rows[n, s][k] for k in ('blocks', 'row_share_median', 'row_share_min')},
                          'profile_ms': prof[n, s]} for (n, s), rs in got.items()])

if __name__ == '__main__':
    answer_child(child)
    a = bench_args(__doc__, ratings=('1000000,5000000', 'numbers of ratings, comma-separated: each in every dimensions'), epochs=(5, 'epochs of each fit (the median is reported)'),
                   rounds=(3, 'fits in each dimensions, taking turns (medians reported)')).parse_args()
    t0, root = time.perf_counter(), Path(a.keep or tempfile.mkdtemp())
    t = run([int(n) for n in a.ratings.split(',')], a.sizes.split(','), root, a.epochs, a.rounds)
    sweeps = pd.DataFrame([{'size': s, 'ratings': SIZES[s][2], **measure('rows', synth_folder(root, s)[0], SIZES[s][3], WIDTH, script=__file__)}
                           for s in a.sizes.split(',')])
    t['ns_per_rating'] = t.epoch_s / t.ratings * 1e9
    t['x_first_dims'] = t.epoch_s / t.groupby('ratings').epoch_s.transform('first')  # against the same ratings in the first (smallest) dimensions
    print(f'\nI-AutoRec epoch (median of {a.rounds} rounds):\n' + t.drop(columns=['epoch_s_runs', 'profile_ms']).round(3).to_string(index=False))
    print('\nms per epoch by group, one profiled fit each:\n' + pd.DataFrame(list(t.profile_ms), index=pd.MultiIndex.from_frame(t[['ratings', 'dims_of']])).round(1).to_string())
    print('\nbench/scale.py\'s datasets: column blocks of the first product, and the share of movie rows holding ratings in each:\n' + sweeps.round(3).to_string(index=False))
    save_results(Path(__file__).parent/'results'/'shape.json', t0, rows=t.to_dict(orient='records'), sweeps=sweeps.to_dict(orient='records'), epochs=a.epochs, rounds=a.rounds,
                 threads='all cores (threads=0)', huge_pages=huge_pages(), flush_denormal=flush_denormal())
