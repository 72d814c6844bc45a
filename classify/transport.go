package classify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// knownTransport reports whether err is a recognised transport failure:
// a refused, reset or closed connection, a timeout or deadline, a DNS or TLS
// failure, a stream cut short, or a canceled context. Every transport error
// is transient; an unrecognised one is transient too, but reported as not
// known so that it is logged.
func knownTransport(err error) bool {
	sentinels := [...]error{
		context.DeadlineExceeded, context.Canceled,
		io.EOF, io.ErrUnexpectedEOF, io.ErrClosedPipe,
		net.ErrClosed, os.ErrDeadlineExceeded,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH,
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	if timeout(err) || transportType(err) {
		return true
	}
	// Errors of crypto/tls, crypto/x509 and net/http's HTTP/1 and HTTP/2
	// transports that are plain strings.
	leaf := innermost(err).Error()
	for _, p := range [...]string{"tls: ", "x509: ", "http2: ", "stream error: ", "net/http: ", "http: server closed"} {
		if strings.HasPrefix(leaf, p) {
			return true
		}
	}
	return false
}

// timeout reports whether err is a net.Error that timed out.
func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// transportType reports whether err wraps one of the net, crypto/tls or
// crypto/x509 error types.
func transportType(err error) bool {
	var (
		op      *net.OpError
		dns     *net.DNSError
		addr    *net.AddrError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	return errors.As(err, &op) || errors.As(err, &dns) || errors.As(err, &addr) ||
		errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// innermost follows the single-error Unwrap chain of err to its end.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
