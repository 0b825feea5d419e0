/*
 * What an asymmetric fence costs on this machine: the time of one
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) call, with the other CPU idle and with it running a
 * thread of the same process (the call must then interrupt it). A read side whose begin has no
 * fence and whose updater fences the readers' CPUs instead (liburcu's membarrier flavour) makes
 * each grace period pay such calls: liburcu's pays two. See docs/measurements.md, "Issue 12's
 * target 1 and an asymmetric fence".
 *
 *   gcc -O2 -pthread docs/data/membarrier-cost.c -o /tmp/membarrier-cost
 *   /tmp/membarrier-cost 0     # the other CPU idle
 *   /tmp/membarrier-cost 1     # a thread of this process spinning on it
 *
 * The caller runs on CPU 0 and the spinner on CPU 1 (a machine with two CPUs or more). Another
 * process's load on CPU 1 makes the busy case cheap: the call interrupts only CPUs that run
 * this process.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { WARMUP = 20000, CALLS = 200000 };

static volatile int stop;
static volatile long sink;
static long took[CALLS];

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (err != 0) {
        fprintf(stderr, "cannot run on CPU %d: error %d\n", cpu, err);
        exit(1);
    }
}

static void *spinner(void *unused) {
    long x = 0;
    pin(1);
    while (!stop) {
        sink = ++x;
    }
    return unused;
}

static long nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int ascending(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return (x > y) - (x < y);
}

static long fence(void) {
    return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

int main(int argc, char **argv) {
    int busy = argc > 1 && atoi(argv[1]) != 0;
    long failed = 0;
    pthread_t other;
    pin(0);
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) {
        perror("membarrier register");
        return 1;
    }
    if (busy && pthread_create(&other, NULL, spinner, NULL) != 0) {
        perror("pthread_create");
        return 1;
    }
    for (int i = 0; i < WARMUP; i++) {
        fence();
    }
    long start = nanos();
    for (int i = 0; i < CALLS; i++) {
        long t = nanos();
        failed += fence() != 0;
        took[i] = nanos() - t;
    }
    if (failed != 0) {
        fprintf(stderr, "%ld of %d calls failed\n", failed, CALLS);
        return 1;
    }
    long total = nanos() - start;
    qsort(took, CALLS, sizeof took[0], ascending);
    printf("other CPU %s: mean %ld ns per call (with the clock reads), median %ld, p99 %ld, p99.9 %ld\n",
           busy ? "running a thread of this process" : "idle", total / CALLS, took[CALLS / 2],
           took[CALLS * 99 / 100], took[CALLS * 999 / 1000]);
    stop = 1;
    if (busy) {
        pthread_join(other, NULL);
    }
    return 0;
}
