// What plain C with AVX2 intrinsics achieves for the forward passes of issue 3's norm benchmark, as a
// multiple of memcpy on the same arrays and threads: the floor that the "forward within 2x of a copy"
// goal meets on this machine. Not NormLab code and not part of any build; `bash bench/floor/run.sh`.
//
// Each forward is the textbook two-pass algorithm with the same numerics as NormLab's kernels
// (statistics shifted by the first row, y = (x - shift) * a + sh): pass 1 sums a block that then
// stays in cache, pass 2 normalizes it. Inputs: (32, 28, 28, 64) and (32, 20, 128), channels last.
// Usage: norm_floor THREADS XOFFSET YOFFSET (byte offsets of x and y from a 4 KB boundary; a .NET
// float[]'s data lies at any multiple of 8 bytes mod 64).
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROW_BLOCK = 64, CHUNK = 32, GROUPS = 4 };

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static float hsum(__m256 v)
{
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(a, _mm_shuffle_ps(a, a, 1)));
}

// Per channel c of `rows` rows of C: s1[c] += sum (x - shift[c]), s2[c] += sum (x - shift[c])^2.
// Blocks of ROW_BLOCK rows (in L1), 32 channels at a time in registers.
static void column_sums(const float *x, int rows, int C, const float *shift, double *s1, double *s2)
{
    for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK)
    {
        int r1 = r0 + ROW_BLOCK < rows ? r0 + ROW_BLOCK : rows;
        for (int c0 = 0; c0 < C; c0 += CHUNK)
        {
            __m256 h[4], a[4], q[4];
            for (int k = 0; k < 4; k++) { h[k] = _mm256_loadu_ps(shift + c0 + 8 * k); a[k] = q[k] = _mm256_setzero_ps(); }
            for (int r = r0; r < r1; r++)
                for (int k = 0; k < 4; k++)
                {
                    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + (size_t)r * C + c0 + 8 * k), h[k]);
                    a[k] = _mm256_add_ps(a[k], d);
                    q[k] = _mm256_fmadd_ps(d, d, q[k]);
                }
            float fa[CHUNK], fq[CHUNK];
            for (int k = 0; k < 4; k++) { _mm256_storeu_ps(fa + 8 * k, a[k]); _mm256_storeu_ps(fq + 8 * k, q[k]); }
            for (int c = 0; c < CHUNK; c++) { s1[c0 + c] += fa[c]; s2[c0 + c] += fq[c]; }
        }
    }
}

// y = (x - mh[c]) * a[c] + sh[c] on `rows` rows of C.
static void affine_rows(const float *x, float *y, int rows, int C, const float *mh, const float *a, const float *sh)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < C; c += 8)
        {
            size_t i = (size_t)r * C + c;
            __m256 t = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(mh + c));
            _mm256_storeu_ps(y + i, _mm256_fmadd_ps(t, _mm256_loadu_ps(a + c), _mm256_loadu_ps(sh + c)));
        }
}

// Coefficients of channels [c0, c0 + n) sharing one mean and variance from sums over `count` values.
static void coefficients(double t1, double t2, double count, float shift, int c0, int n, const float *gamma,
    const float *beta, float *mh, float *a, float *sh)
{
    double lo = t1 / count, variance = (t2 - t1 * lo) / count;
    float inv = (float)(1.0 / sqrt((variance < 0 ? 0 : variance) + 1e-3));
    for (int c = c0; c < c0 + n; c++) { mh[c] = shift; a[c] = inv * gamma[c]; sh[c] = beta[c] - (float)lo * a[c]; }
}

// The coefficients of instance norm (every group one channel), eight channels at a time in float: with
// 128 channels a sample, the scalar loop's square roots cost as much as the data passes.
static void instance_coefficients(const double *s1, const double *s2, float count, const float *shift, int C,
    const float *gamma, const float *beta, float *mh, float *a, float *sh)
{
    __m256 n = _mm256_set1_ps(1.0f / count), eps = _mm256_set1_ps(1e-3f), zero = _mm256_setzero_ps();
    for (int c = 0; c < C; c += 8)
    {
        __m256 t1 = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_loadu_pd(s1 + c + 4)), _mm256_cvtpd_ps(_mm256_loadu_pd(s1 + c)));
        __m256 t2 = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_loadu_pd(s2 + c + 4)), _mm256_cvtpd_ps(_mm256_loadu_pd(s2 + c)));
        __m256 lo = _mm256_mul_ps(t1, n);
        __m256 variance = _mm256_max_ps(_mm256_mul_ps(_mm256_fnmadd_ps(t1, lo, t2), n), zero);
        __m256 ac = _mm256_mul_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(_mm256_add_ps(variance, eps))), _mm256_loadu_ps(gamma + c));
        _mm256_storeu_ps(mh + c, _mm256_loadu_ps(shift + c));
        _mm256_storeu_ps(a + c, ac);
        _mm256_storeu_ps(sh + c, _mm256_fnmadd_ps(lo, ac, _mm256_loadu_ps(beta + c)));
    }
}

// GN with `groups` groups per sample (IN: groups == C), one sample at a time so pass 2 reads from cache.
static void group_norm(const float *x, float *y, int N, int S, int C, int groups, const float *gamma, const float *beta)
{
    #pragma omp parallel
    {
        float shift[256], mh[256], a[256], sh[256];
        double s1[256], s2[256];
        #pragma omp for schedule(static)
        for (int n = 0; n < N; n++)
        {
            const float *xs = x + (size_t)n * S * C;
            int cg = C / groups;
            for (int g = 0; g < groups; g++)
                for (int c = g * cg; c < (g + 1) * cg; c++) shift[c] = xs[g * cg];
            memset(s1, 0, sizeof(double) * C); memset(s2, 0, sizeof(double) * C);
            column_sums(xs, S, C, shift, s1, s2);
            if (groups == C) instance_coefficients(s1, s2, S, shift, C, gamma, beta, mh, a, sh);
            else for (int g = 0; g < groups; g++)
            {
                double t1 = 0, t2 = 0;
                for (int c = g * cg; c < (g + 1) * cg; c++) { t1 += s1[c]; t2 += s2[c]; }
                coefficients(t1, t2, (double)S * cg, shift[g * cg], g * cg, cg, gamma, beta, mh, a, sh);
            }
            affine_rows(xs, y + (size_t)n * S * C, S, C, mh, a, sh);
        }
    }
}

// BN (training): column sums over all rows, split over threads and added up, then the affine.
static void batch_norm(const float *x, float *y, int N, int S, int C, const float *gamma, const float *beta)
{
    int rows = N * S, threads = omp_get_max_threads();
    static double s1[64][256], s2[64][256];
    for (int t = 0; t < threads; t++) { memset(s1[t], 0, sizeof(double) * C); memset(s2[t], 0, sizeof(double) * C); }
    float mh[256], a[256], sh[256];
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), r0 = rows * t / threads, r1 = rows * (t + 1) / threads;
        column_sums(x + (size_t)r0 * C, r1 - r0, C, x, s1[t], s2[t]);
    }
    for (int c = 0; c < C; c++)
    {
        double t1 = 0, t2 = 0;
        for (int t = 0; t < threads; t++) { t1 += s1[t][c]; t2 += s2[t][c]; }
        coefficients(t1, t2, rows, x[c], c, 1, gamma, beta, mh, a, sh);
    }
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), r0 = rows * t / threads, r1 = rows * (t + 1) / threads;
        affine_rows(x + (size_t)r0 * C, y + (size_t)r0 * C, r1 - r0, C, mh, a, sh);
    }
}

// LN over each row of C: blocks of four rows, whose sums are four independent chains, then normalized.
static void layer_norm(const float *x, float *y, int N, int S, int C, const float *gamma, const float *beta)
{
    int rows = N * S;
    #pragma omp parallel for schedule(static)
    for (int r0 = 0; r0 < rows; r0 += 4)
    {
        const float *xb = x + (size_t)r0 * C;
        __m256 h[4], s[4], q[4];
        for (int k = 0; k < 4; k++) { h[k] = _mm256_set1_ps(xb[k * C]); s[k] = q[k] = _mm256_setzero_ps(); }
        for (int c = 0; c < C; c += 8)
            for (int k = 0; k < 4; k++)
            {
                __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xb + k * C + c), h[k]);
                s[k] = _mm256_add_ps(s[k], d);
                q[k] = _mm256_fmadd_ps(d, d, q[k]);
            }
        for (int k = 0; k < 4; k++)
        {
            float t1 = hsum(s[k]), lo = t1 / C, variance = (hsum(q[k]) - t1 * lo) / C;
            __m256 m = _mm256_set1_ps(xb[k * C] + lo), inv = _mm256_set1_ps(1.0f / sqrtf((variance < 0 ? 0 : variance) + 1e-3f));
            const float *xr = xb + k * C; float *yr = y + (size_t)(r0 + k) * C;
            for (int c = 0; c < C; c += 8)
            {
                __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + c), m), inv);
                _mm256_storeu_ps(yr + c, _mm256_fmadd_ps(t, _mm256_loadu_ps(gamma + c), _mm256_loadu_ps(beta + c)));
            }
        }
    }
}

static void copy(const float *x, float *y, int N, int S, int C)
{
    size_t n = (size_t)N * S * C;
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), k = omp_get_num_threads();
        size_t i0 = n * t / k / 16 * 16, i1 = t == k - 1 ? n : n * (t + 1) / k / 16 * 16;
        memcpy(y + i0, x + i0, (i1 - i0) * sizeof(float));
    }
}

static int compare(const void *a, const void *b) { double d = *(const double *)a - *(const double *)b; return (d > 0) - (d < 0); }

static void run(int op, const float *x, float *y, int N, int S, int C, const float *g, const float *b)
{
    switch (op)
    {
        case 0: copy(x, y, N, S, C); break;
        case 1: batch_norm(x, y, N, S, C, g, b); break;
        case 2: layer_norm(x, y, N, S, C, g, b); break;
        case 3: group_norm(x, y, N, S, C, GROUPS, g, b); break;
        default: group_norm(x, y, N, S, C, C, g, b); break;
    }
}

// Median ms of the op (0 copy, 1 BN, 2 LN, 3 GN4, 4 IN) and of a copy timed in turn with it, after a
// warm-up: the copy's own time swings by a quarter between runs on a shared machine.
static void median_ms(int op, const float *x, float *y, int N, int S, int C, const float *g, const float *b,
    double *op_ms, double *copy_ms)
{
    enum { REPS = 301 };
    static double t[REPS], c[REPS];
    for (int i = -30; i < REPS; i++)
    {
        double t0 = now();
        run(op, x, y, N, S, C, g, b);
        double t1 = now();
        run(0, x, y, N, S, C, g, b);
        if (i >= 0) { t[i] = (t1 - t0) * 1e3; c[i] = (now() - t1) * 1e3; }
    }
    qsort(t, REPS, sizeof(double), compare);
    qsort(c, REPS, sizeof(double), compare);
    *op_ms = t[REPS / 2];
    *copy_ms = c[REPS / 2];
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1, xoff = argc > 2 ? atoi(argv[2]) : 0, yoff = argc > 3 ? atoi(argv[3]) : 0;
    if (threads < 1 || threads > 64) { fprintf(stderr, "norm_floor: THREADS must be 1-64 (per-thread sums are fixed arrays), got %d\n", threads); return 2; }
    omp_set_num_threads(threads);
    const int shapes[2][3] = { { 32, 28 * 28, 64 }, { 32, 20, 128 } };
    const char *names[2] = { "nhwc", "seq" }, *ops[5] = { "copy", "BN", "LN", "GN4", "IN" };
    for (int s = 0; s < 2; s++)
    {
        int N = shapes[s][0], S = shapes[s][1], C = shapes[s][2];
        size_t n = (size_t)N * S * C;
        char *bx = aligned_alloc(4096, n * 4 + 4096), *by = aligned_alloc(4096, n * 4 + 4096);
        float *x = (float *)(bx + xoff), *y = (float *)(by + yoff), g[256], b[256];
        srand(1);
        for (size_t i = 0; i < n; i++) x[i] = 3.0f + (float)rand() / RAND_MAX;
        for (int c = 0; c < C; c++) { g[c] = 1.0f + 0.01f * c; b[c] = 0.1f; }
        memset(y, 0, n * 4);
        double ms, copy_ms;
        median_ms(0, x, y, N, S, C, g, b, &ms, &copy_ms);
        printf("%-4s threads %d offsets %2d/%2d  copy %.4f ms", names[s], threads, xoff, yoff, ms);
        for (int op = 1; op < 5; op++)
        {
            median_ms(op, x, y, N, S, C, g, b, &ms, &copy_ms);
            printf("  %s %.2f", ops[op], ms / copy_ms);
        }
        printf(" copies\n");
        free(bx); free(by);
    }
    return 0;
}
