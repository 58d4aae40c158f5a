/* io_uring splice from stdin (a pipe) into a TCP connection to ADDR PORT, after a header:
 * the e2e scenario 22 helper (issue 14). No liburing: the raw syscalls. Prints the
 * completion's result; exits 0 only when the splice moved data. */
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct io_uring_params p;
	struct sockaddr_in sa;
	const char *hdr = "PUT /up HTTP/1.0\r\nContent-Length: 200\r\n\r\n";
	unsigned char *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail;
	int ring, s;

	if (argc != 3)
		return 2;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (s < 0 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    connect(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    write(s, hdr, strlen(hdr)) != (ssize_t)strlen(hdr)) {
		perror("connect");
		return 3;
	}
	fprintf(stderr, "header sent\n");
	memset(&p, 0, sizeof p);
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0) {
		perror("io_uring_setup");
		return 4;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
	          PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
	            MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		perror("mmap");
		return 4;
	}
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_array = (unsigned *)(sq + p.sq_off.array);
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cq_tail = (unsigned *)(cq + p.cq_off.tail);
	memset(&sqes[0], 0, sizeof sqes[0]);
	sqes[0].opcode = IORING_OP_SPLICE;
	sqes[0].fd = s;           /* out */
	sqes[0].splice_fd_in = 0; /* in: stdin */
	sqes[0].off = (__u64)-1;  /* out offset: none */
	sqes[0].splice_off_in = (__u64)-1;
	sqes[0].len = 65536;
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		perror("io_uring_enter");
		return 4;
	}
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
		fprintf(stderr, "no completion\n");
		return 4;
	}
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) + (*cq_head & (p.cq_entries - 1));
	fprintf(stderr, "splice result %d (%s)\n", cqe->res,
	        cqe->res < 0 ? strerror(-cqe->res) : "moved");
	return cqe->res > 0 ? 0 : 1;
}
