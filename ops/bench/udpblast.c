// udpblast: a UDP packet sender for ops/bench/datapath that is not itself the bottleneck.
//   udpblast send DST PORT SECONDS THREADS PAYLOAD   sends as fast as it can; prints packets sent
//   udpblast hold PORT SECONDS                         binds PORT and never reads (a sink that costs no CPU)
// Each sender thread uses sendmmsg with batches of 64 datagrams from its own source port, so the
// flows spread over receive queues and CPUs like independent clients.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

struct job {
    struct sockaddr_in dst;
    double seconds;
    int payload;
    unsigned long sent;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *blast(void *arg)
{
    struct job *job = arg;
    char buf[1500];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    double end;

    if (fd < 0) {
        perror("socket");
        return NULL;
    }
    memset(buf, 0x5a, sizeof(buf));
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buf;
        iov[i].iov_len = job->payload;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &job->dst;
        msgs[i].msg_hdr.msg_namelen = sizeof(job->dst);
    }
    end = now() + job->seconds;
    while (now() < end) {
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n > 0)
            job->sent += n;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "send") == 0) {
        int threads = atoi(argv[5]);
        pthread_t tids[64];
        struct job jobs[64];
        unsigned long total = 0;

        if (threads < 1 || threads > 64) {
            fprintf(stderr, "threads must be 1..64\n");
            return 2;
        }
        for (int t = 0; t < threads; t++) {
            memset(&jobs[t], 0, sizeof(jobs[t]));
            jobs[t].dst.sin_family = AF_INET;
            jobs[t].dst.sin_port = htons(atoi(argv[3]));
            inet_pton(AF_INET, argv[2], &jobs[t].dst.sin_addr);
            jobs[t].seconds = atof(argv[4]);
            jobs[t].payload = atoi(argv[6]);
            pthread_create(&tids[t], NULL, blast, &jobs[t]);
        }
        for (int t = 0; t < threads; t++) {
            pthread_join(tids[t], NULL);
            total += jobs[t].sent;
        }
        printf("%lu\n", total);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "hold") == 0) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
        int fd = socket(AF_INET, SOCK_DGRAM, 0);

        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
            perror("bind");
            return 1;
        }
        sleep(atoi(argv[3]));
        return 0;
    }
    fprintf(stderr, "usage: udpblast send DST PORT SECONDS THREADS PAYLOAD | hold PORT SECONDS\n");
    return 2;
}
