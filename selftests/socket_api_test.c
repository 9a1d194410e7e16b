// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_XTCP socket API: what a program gets back for good and bad
 * arguments, before any segment is sent.
 */
#include <fcntl.h>
#include <sys/syscall.h>

#include "xtcp_util.h"
#include "kselftest_harness.h"

TEST(socket_stream_ok)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST(socket_dgram_esocktnosupport)
{
	EXPECT_EQ(-1, socket(xtcp_af(), SOCK_DGRAM, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
}

TEST(socket_bad_protocol_eprotonosupport)
{
	EXPECT_EQ(-1, socket(xtcp_af(), SOCK_STREAM, 17));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(bind_short_sockaddr_einval)
{
	struct sockaddr_xtcp a = xtcp_addr("127.0.0.1", 0);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, 4));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bind_wrong_family_eafnosupport)
{
	struct sockaddr_xtcp a = xtcp_addr("127.0.0.1", 0);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	a.sxtcp_family = AF_INET;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
}

TEST(bind_foreign_address_eaddrnotavail)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_bind_to(fd, "192.0.2.1", 0));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(fd);
}

TEST(bind_twice_einval)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 0));
	EXPECT_EQ(-1, xtcp_bind_to(fd, "127.0.0.1", 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bind_port_in_use_eaddrinuse)
{
	int a = xtcp_socket(), b = xtcp_socket();
	int port;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, xtcp_bind_to(a, "127.0.0.1", 0));
	port = xtcp_local_port(a);
	ASSERT_LT(0, port);
	EXPECT_EQ(-1, xtcp_bind_to(b, "127.0.0.1", port));
	EXPECT_EQ(EADDRINUSE, errno);
	/* The wildcard address overlaps every address. */
	EXPECT_EQ(-1, xtcp_bind_to(b, NULL, port));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	/* Released on close: the port is free again. */
	EXPECT_EQ(0, xtcp_bind_to(b, "127.0.0.1", port));
	close(b);
}

TEST(bind_ephemeral_port_in_range)
{
	int fd = xtcp_socket(), lo, hi, port;
	FILE *f = fopen(XTCP_PORT_RANGE, "r");

	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%d %d", &lo, &hi));
	fclose(f);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 0));
	port = xtcp_local_port(fd);
	EXPECT_LE(lo, port);
	EXPECT_GE(hi, port);
	close(fd);
}

TEST(connect_short_sockaddr_einval)
{
	struct sockaddr_xtcp a = xtcp_addr("127.0.0.1", 9);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(connect_wrong_family_eafnosupport)
{
	struct sockaddr_xtcp a = xtcp_addr("127.0.0.1", 9);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	a.sxtcp_family = AF_INET;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
}

TEST(send_unconnected_epipe)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
}

TEST(recv_unconnected_enotconn)
{
	char c;
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, recv(fd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(getpeername_unconnected_enotconn)
{
	struct sockaddr_xtcp a;
	socklen_t len = sizeof(a);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(shutdown_unconnected_enotconn)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, 7));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(accept_not_listening_einval)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(accept_nonblocking_eagain)
{
	int port, fd = xtcp_listener(&port);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST(listener_in_proc)
{
	int port, fd = xtcp_listener(&port);

	ASSERT_LE(0, fd);
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(port, 0));
	close(fd);
	EXPECT_EQ(0, xtcp_proc_state(port, 0));
}

TEST(sockopt_unknown_enoprotoopt)
{
	int fd = xtcp_socket(), v = 1;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, 999, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(0, setsockopt(fd, SOL_XTCP, XTCP_NODELAY, &v, sizeof(v)));
	close(fd);
}

/* While a userspace socket exists the module cannot be unloaded. */
TEST(rmmod_refused_while_socket_open)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "xtcp", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
}

TEST_HARNESS_MAIN
