package dev.pgmanager.net;

import java.security.KeyManagementException;
import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The JVM's default TLS context for a process that makes no TLS connection with it: the sidecar. Its peers' APIs,
 * its store and its own servers are reached in the clear or with contexts of their own (the JDBC driver makes one per
 * connection, pgBackRest speaks to object storage), yet two libraries ask for the default context all the same: the
 * ZooKeeper client as it reads its configuration (its TLS settings' defaults: a protocol, and the cipher suites of the
 * default server socket factory), and the JDK's HTTP client when it is built. Making the JDK's default loads every
 * security provider and parses every CA certificate of the JDK's trust store: about 450 classes, a megabyte of heap
 * and tens of milliseconds at every start, for nothing. This one answers the protocols and refuses everything else:
 * fail closed, should a connection ever reach for it, rather than trust the public CAs unasked. (So the ZooKeeper
 * client's default cipher suites are none: should the store ever be reached over TLS, it must name its suites, or
 * its context, itself.)
 */
public final class NoTlsDefaultContext extends SSLContext {
    private static final String REFUSAL = "this process makes no TLS connection through the JVM's default TLS context "
            + "(pgmanager's sidecar replaces it: see NoTlsDefaultContext)";

    private NoTlsDefaultContext() {
        super(new Refusing(), new Provider("pgmanager-no-tls", "1", "refuses TLS through the default context") {}, "TLS");
    }

    /** Makes this the JVM's default TLS context; before anything asks for the default (it is made once, when first asked). */
    public static void install() {
        SSLContext.setDefault(new NoTlsDefaultContext());
    }

    private static final class Refusing extends SSLContextSpi {
        /** What the JDK supports: the ZooKeeper client picks its default protocol from here. */
        private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException(REFUSAL);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw new UnsupportedOperationException(REFUSAL);
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return protocolsOnly();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return protocolsOnly();
        }

        /** No cipher suites: nothing is ever negotiated through this context. */
        private static SSLParameters protocolsOnly() {
            return new SSLParameters(new String[0], PROTOCOLS.clone());
        }
    }
}
