"""Where I-AutoRec's epoch time goes as the data grows: its three sparse kernels, timed alone, at 1M, 10M and 25M
synthetic ratings (the shapes of ML-1M, ML-10M and ML-25M, written by `sae-movies synth` as bench/scale.py writes them),
each with the cache-sized column blocks of 03_train (4 MiB blocks of any dense operand over 8 MiB) and without them,
in one run.

    .venv/bin/python bench/kernels.py [--sizes 1m,10m,25m] [--keep DIR] [--also 2/2,16/8]

The kernels are those of a full-batch I-AutoRec step (rows are movies, columns users, a 199-wide code plus the bias):
`mm` (ratings x users-wide weights, the first layer), `mm(t)` (the transposed product of its backward pass) and
`sampled` (the output layer evaluated at the ratings only); `step` adds them up as one training step calls them
(2 x mm, 2 x mm(t), 1 x sampled). Each pattern holds its values in the order of its column blocks, as the trainer's
batches do (03_train), so that a block's values are a slice and only `mm(t)` gathers them; `blocked, CSR order` is the
same blocks with the values in CSR order, gathered into each block (and `sampled`'s results scattered back) at each call.
`mm cached` is a floor: `mm` over the same rows and the same ratings, their users
folded onto 2048 columns, so that the dense operand stays in the caches at every size; what it costs is streaming the
ratings themselves, and what `mm` costs beyond it is fetching weight rows from memory. Times are medians of 7 calls after
a warm-up call, the settings' calls taking turns so that the machine's noise falls on all of them alike. Prints a table,
with each time as a multiple of its 1M time beside the ratings' multiple, and saves bench/results/kernels.json. This
machine is shared and noisy: compare ratios, not absolute times. PyTorch is asked for huge pages, as `sae-movies` does
(`THP_MEM_ALLOC_ENABLE=0` turns them off), and the processor to treat denormal floats as zero (`SAE_MOVIES_FLUSH_DENORMAL=0`
keeps them); the dense operands here are drawn from a normal distribution and, like the synthetic ratings, hold none.

`--also ABOVE/BYTES,...` adds other block settings (in MiB: cut operands over ABOVE into blocks of BYTES) to the
same interleaved calls, to choose 03_train's setting; such a run is saved as bench/results/kernels-settings.json.
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, scipy.sparse as sp, torch
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, save_results, as_the_command, bench_args  # the same synthetic data as bench/scale.py

WIDTH, CALLS = 200, 7 # columns of the dense operands (I-AutoRec's 199-wide code and its bias); timed calls per kernel and setting
CACHED = 2048 # rows of the floor's operand (`mm cached`): 2048 x 200 floats, 1.6 MB, stay in the caches at every size
CONFIGS = {'blocked': None, 'unblocked': (1 << 62, 1), 'blocked, CSR order': None} # (TILE_ABOVE, TILE_BYTES); None: 03_train's
CSR_ORDER = {'blocked, CSR order'} # these keep their values in CSR order, gathered into each block at each call (the trainer's batches before 35a0edd)

def kernels(folder, release, width=WIDTH, n=CALLS):
    "Median milliseconds of each kernel on one dataset under each of `CONFIGS`, their calls interleaved (the machine's noise hits all alike)."
    import sae_movies.train as T
    from sae_movies.data import load_dataset, ratings_csr
    ds = load_dataset(release, path=folder)
    X = sp.csr_matrix(ratings_csr(ds.ratings, ds.imap).T, dtype=np.float32)  # I-AutoRec's rows: movies x users
    g = torch.Generator().manual_seed(0)
    W, H = torch.randn(X.shape[1], width, generator=g), torch.randn(X.shape[0], width, generator=g)
    default = T.TILE_ABOVE, T.TILE_BYTES
    def under(c): T.TILE_ABOVE, T.TILE_BYTES = CONFIGS[c] or default  # `_blocks` reads the setting at each call
    def built(c): under(c); return T.RatingPattern(X, width=None if c in CSR_ORDER else width)  # values in its blocks' order where it is cut, as the trainer's batches hold them
    try: pats = {c: built(c) for c in CONFIGS}
    finally: T.TILE_ABOVE, T.TILE_BYTES = default
    # the floor: the same ratings, rows and product as `mm`, their columns folded onto an operand small enough to stay in the caches
    Xf = sp.csr_matrix((X.data, X.indices % CACHED, X.indptr), shape=(X.shape[0], CACHED))  # duplicates kept: every rating stays one term
    pf, Wf = T.RatingPattern(Xf), torch.randn(CACHED, width, generator=g)
    calls = {'mm': lambda p: p.mm(p.values, W), 'mm(t)': lambda p: p.mm(p.values, H, transposed=True), 'sampled': lambda p: p.sampled(H, W),
             'mm cached': lambda p: pf.mm(pf.values, Wf)}
    times = {(c, k): [] for c in CONFIGS for k in calls}
    try:
        for k, f in calls.items():
            for c, p in pats.items(): under(c); f(p)  # warm-up (and the blocks cut)
            for _ in range(n):
                for c, p in pats.items(): under(c); t = time.perf_counter(); f(p); times[c, k].append(time.perf_counter() - t)
    finally: T.TILE_ABOVE, T.TILE_BYTES = default
    return X.nnz, {c: {k: float(np.median(times[c, k])) * 1e3 for k in calls} for c in CONFIGS}

if __name__ == '__main__':
    a = bench_args(__doc__, also=('', 'other block settings to time beside these, as ABOVE/BYTES in MiB, comma-separated')).parse_args()
    as_the_command()
    for c in filter(None, a.also.split(',')):
        above, size = (float(x) for x in c.split('/')); CONFIGS[f'{c} MiB'] = (int(above * 2 ** 20), int(size * 2 ** 20))
    t0, root, rows = time.perf_counter(), Path(a.keep or tempfile.mkdtemp()), []
    for size in a.sizes.split(','):
        folder, _ = synth_folder(root, size)
        nnz, res = kernels(folder, SIZES[size][3])
        for how, ms in res.items(): rows.append({'size': size, 'ratings': nnz, 'blocks': how, **ms, 'step': 2 * ms['mm'] + 2 * ms['mm(t)'] + ms['sampled']})
        print(pd.DataFrame(rows[-len(res):]).round(1).to_string(index=False), flush=True)
    t = pd.DataFrame(rows)
    base = t[t['size'] == t['size'].iloc[0]].set_index('blocks')
    ratio = t.assign(**{c: t[c] / t.blocks.map(base[c]) for c in ['ratings', 'mm', 'mm(t)', 'sampled', 'step', 'mm cached']}).round(1)
    print(f'\nmilliseconds (median of {CALLS}):\n{t.round(1).to_string(index=False)}\n\neach against {t["size"].iloc[0]} '
          f'(a kernel growing no faster than the ratings has a multiple <= the ratings column):\n{ratio.to_string(index=False)}')
    save_results(Path(__file__).parent/'results'/('kernels-settings.json' if a.also else 'kernels.json'), t0, rows=rows,
                 ratios=ratio.to_dict(orient='records'), width=WIDTH, calls=CALLS, settings={k: v and {'TILE_ABOVE': v[0], 'TILE_BYTES': v[1]} for k, v in CONFIGS.items()},
                 threads='all cores', huge_pages=huge_pages(), flush_denormal=flush_denormal())
