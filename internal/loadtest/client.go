package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"time"
)

// conn is a minimal keep-alive HTTP/1.1 client: it writes prepared request
// bytes and parses just the status and Content-Length of the answer. A load
// generator on the same two cores as the server must cost as little CPU as
// possible, so this does far less than net/http's client.
type conn struct {
	c  net.Conn
	r  *bufio.Reader
	wb []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 16<<10)}, nil
}

// do sends one request and returns the status and body.
func (c *conn) do(req []byte) (int, []byte, error) {
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.c.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, errors.New("bad status line")
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, err
	}
	n := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && bytes.EqualFold(h[:15], []byte("Content-Length:")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(h[15:])))
		}
	}
	if n < 0 {
		return 0, nil, errors.New("no Content-Length")
	}
	if cap(c.wb) < n {
		c.wb = make([]byte, n)
	}
	body := c.wb[:n]
	_, err = ioReadFull(c.r, body)
	return status, body, err
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *conn) close() { c.c.Close() }
