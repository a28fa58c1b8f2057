import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetSocketAddress;

/** Temporal's time-skipping test server, listening on 127.0.0.1 only. Usage: <port> [--enable-time-skipping] */
public final class LoopbackTestServer {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    boolean skip = false;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equalsIgnoreCase("--enable-time-skipping")) skip = true;
      else throw new IllegalArgumentException("unknown flag " + args[i]);
    }
    TestServicesStarter services = new TestServicesStarter(!skip, 0);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.shutdownNow(); services.close(); }));
    server.awaitTermination();
  }
}
