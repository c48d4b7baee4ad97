// A minimal JSSE mutual-TLS server and client for interop tests.
//
//   java MtlsPeer server KEYSTORE TRUSTSTORE PASSWORD_FILE SECONDS
//     Listens on 127.0.0.1 (a free port, printed as "PORT <n>"), requires a
//     client certificate, answers each request with "200 hello <client DN>",
//     and exits after SECONDS. Handshake failures are printed as
//     "HANDSHAKE_FAILED <message>".
//   java MtlsPeer client HOST PORT KEYSTORE|- TRUSTSTORE PASSWORD_FILE
//     Connects to 127.0.0.1:PORT, verifies the server certificate for HOST
//     (endpoint identification "HTTPS"), sends a GET and prints "OK <status
//     line> <body>" and exits 0, or prints "FAIL <exception>" and exits 1.
//
// Store types are taken from the file extension (.jks = JKS, else PKCS12).
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.*;

public class MtlsPeer {
  static KeyStore load(String path, char[] pw) throws Exception {
    KeyStore ks = KeyStore.getInstance(path.endsWith(".jks") ? "JKS" : "PKCS12");
    try (InputStream in = new FileInputStream(path)) {
      ks.load(in, pw);
    }
    return ks;
  }

  static SSLContext context(String keystore, String truststore, char[] pw) throws Exception {
    KeyManager[] kms = null;
    if (!keystore.equals("-")) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(load(keystore, pw), pw);
      kms = kmf.getKeyManagers();
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(load(truststore, pw));
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kms, tmf.getTrustManagers(), null);
    return ctx;
  }

  static char[] password(String file) throws IOException {
    return new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8).trim().toCharArray();
  }

  static void server(String[] a) throws Exception {
    SSLContext ctx = context(a[1], a[2], password(a[3]));
    long deadline = System.currentTimeMillis() + Long.parseLong(a[4]) * 1000;
    SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    ss.setNeedClientAuth(true);
    ss.setSoTimeout(500);
    System.out.println("PORT " + ss.getLocalPort());
    System.out.flush();
    while (System.currentTimeMillis() < deadline) {
      SSLSocket s;
      try {
        s = (SSLSocket) ss.accept();
      } catch (SocketTimeoutException e) {
        continue;
      }
      try (SSLSocket c = s) {
        c.setSoTimeout(5000);
        c.startHandshake();
        X509Certificate peer = (X509Certificate) c.getSession().getPeerCertificates()[0];
        BufferedReader r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null && !line.isEmpty()) { }
        String body = "hello " + peer.getSubjectX500Principal().getName();
        OutputStream o = c.getOutputStream();
        o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length()
                 + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        o.flush();
        System.out.println("SERVED " + peer.getSubjectX500Principal().getName());
      } catch (Exception e) {
        System.out.println("HANDSHAKE_FAILED " + e);
      }
      System.out.flush();
    }
  }

  static int client(String[] a) {
    try {
      SSLContext ctx = context(a[3], a[4], password(a[5]));
      Socket raw = new Socket();
      raw.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[2])), 5000);
      raw.setSoTimeout(5000);
      SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, a[1], Integer.parseInt(a[2]), true);
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(p);
      s.startHandshake();
      OutputStream o = s.getOutputStream();
      o.write(("GET / HTTP/1.1\r\nHost: " + a[1] + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      o.flush();
      BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String status = r.readLine();
      String line, body = "";
      while ((line = r.readLine()) != null) body = line;
      s.close();
      if (status == null) throw new IOException("connection closed without a response");
      System.out.println("OK " + status + " " + body);
      return 0;
    } catch (Exception e) {
      System.out.println("FAIL " + e);
      return 1;
    }
  }

  public static void main(String[] a) throws Exception {
    if (a[0].equals("server")) server(a);
    else System.exit(client(a));
  }
}
