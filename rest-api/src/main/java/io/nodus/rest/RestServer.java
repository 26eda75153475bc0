package io.nodus.rest;

import com.codahale.metrics.health.HealthCheck;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.request.logging.LogbackAccessRequestLogFactory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.errors.AdminAllowList;
import io.nodus.rest.errors.BodyLimitFilter;
import io.nodus.rest.errors.ErrorMappers;
import io.nodus.rest.errors.JsonErrorHandler;
import io.nodus.rest.errors.OptionsAnswers;
import io.nodus.rest.errors.RequestMetricsFilter;
import io.nodus.rest.resources.ClusterResource;
import io.nodus.rest.resources.EndpointsResource;
import io.nodus.rest.resources.HealthResource;
import io.nodus.rest.resources.IdentitiesResource;
import io.nodus.rest.resources.IpamResource;
import io.nodus.rest.resources.MetricsResource;
import io.nodus.rest.resources.NodesResource;
import io.nodus.rest.resources.OpenApiResource;
import io.nodus.rest.resources.PoliciesResource;
import io.nodus.rest.resources.ServicesResource;
import jakarta.servlet.DispatcherType;
import jakarta.ws.rs.Path;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API embedded in a controller process: a Dropwizard application built and started
 * programmatically (no YAML file, no takeover of the process's logging). The API has its own
 * connector; Dropwizard's admin context gets a second one on loopback only when the configuration
 * asks for it, and answers reads only ({@link AdminAllowList}). Every error, whether Jersey or
 * Jetty produces it, is a JSON {@code ApiError}.
 */
public final class RestServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestServer.class);

  private final Server server;
  private final int port;
  private final int adminPort;
  private final Set<Class<?>> resources;

  private RestServer(Server server, int port, int adminPort, Set<Class<?>> resources) {
    this.server = server;
    this.port = port;
    this.adminPort = adminPort;
    this.resources = Set.copyOf(resources);
  }

  /** Builds the application, starts Jetty and returns once it accepts connections. */
  public static RestServer start(RestConfig config, ControlPlane controlPlane, PrometheusMeterRegistry registry) throws Exception {
    NodusApplication app = new NodusApplication(config, controlPlane, registry);
    Bootstrap<Configuration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);

    HttpConnectorFactory http = new HttpConnectorFactory();
    http.setBindHost(config.host());
    http.setPort(config.port());
    DefaultServerFactory serverFactory = new DefaultServerFactory();
    serverFactory.setApplicationConnectors(List.of(http));
    if (config.adminPort() == RestConfig.ADMIN_OFF) {
      serverFactory.setAdminConnectors(List.of());
    } else {
      HttpConnectorFactory admin = new HttpConnectorFactory();
      admin.setBindHost(RestConfig.ADMIN_HOST);
      admin.setPort(config.adminPort());
      serverFactory.setAdminConnectors(List.of(admin));
    }
    serverFactory.setApplicationContextPath("/");
    serverFactory.setAdminContextPath("/");
    // Dropwizard's own mappers answer {"code":500,...} with a number for a code; ours cover Throwable.
    serverFactory.setRegisterDefaultExceptionMappers(false);
    // Quiet by default: no access log lines for every request.
    LogbackAccessRequestLogFactory requestLog = new LogbackAccessRequestLogFactory();
    requestLog.setAppenders(List.of());
    serverFactory.setRequestLogFactory(requestLog);
    Configuration configuration = new Configuration();
    configuration.setServerFactory(serverFactory);

    Environment environment = new Environment(app.getName(), bootstrap.getObjectMapper(), bootstrap.getValidatorFactory(),
        bootstrap.getMetricRegistry(), bootstrap.getClassLoader(), bootstrap.getHealthCheckRegistry(), configuration);
    serverFactory.configure(environment);
    bootstrap.run(configuration, environment);
    app.run(configuration, environment);
    environment.admin().addFilter("admin-allow-list", new AdminAllowList())
        .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    Server server = serverFactory.build(environment);
    server.setErrorHandler(new JsonErrorHandler());
    environment.getApplicationContext().setErrorHandler(new JsonErrorHandler.Context());
    environment.getAdminContext().setErrorHandler(new JsonErrorHandler.Context());
    server.start();
    int port = localPort(server, "application");
    int adminPort = config.adminPort() == RestConfig.ADMIN_OFF ? RestConfig.ADMIN_OFF : localPort(server, "admin");
    LOG.info("rest api listening host={} port={} adminPort={}", config.host(), port, adminPort);
    return new RestServer(server, port, adminPort, app.resources);
  }

  private static int localPort(Server server, String name) {
    for (Connector c : server.getConnectors()) {
      if (name.equals(c.getName())) {
        return ((NetworkConnector) c).getLocalPort();
      }
    }
    throw new IllegalStateException("no " + name + " connector among " + List.of(server.getConnectors()));
  }

  /** The port actually bound (useful when the configuration asked for 0). */
  public int port() {
    return port;
  }

  /** The JAX-RS resource classes this server registered, the OpenAPI document's among them. */
  public Set<Class<?>> resources() {
    return resources;
  }

  /** The bound admin port (loopback), or {@link RestConfig#ADMIN_OFF}. */
  public int adminPort() {
    return adminPort;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /** The classes of the JAX-RS resources (those with a {@code @Path}) among what was registered. */
  static Set<Class<?>> resourceClasses(Collection<Class<?>> classes, Collection<Object> instances) {
    Set<Class<?>> out = new LinkedHashSet<>();
    for (Class<?> c : classes) {
      if (c.isAnnotationPresent(Path.class)) {
        out.add(c);
      }
    }
    for (Object o : instances) {
      if (o.getClass().isAnnotationPresent(Path.class)) {
        out.add(o.getClass());
      }
    }
    return out;
  }

  /** The Dropwizard application: registers resources, mappers and filters. */
  private static final class NodusApplication extends Application<Configuration> {
    private final RestConfig config;
    private final ControlPlane controlPlane;
    private final PrometheusMeterRegistry registry;
    /** The resource classes registered, once {@link #run} ran. */
    private Set<Class<?>> resources = Set.of();

    NodusApplication(RestConfig config, ControlPlane controlPlane, PrometheusMeterRegistry registry) {
      this.config = config;
      this.controlPlane = controlPlane;
      this.registry = registry;
    }

    @Override
    public String getName() {
      return "nodus";
    }

    @Override
    public void run(Configuration configuration, Environment env) {
      var jersey = env.jersey();
      jersey.register(new BodyLimitFilter(config.maxBodyBytes()));
      jersey.register(new RequestMetricsFilter(registry));
      jersey.register(new OptionsAnswers());
      jersey.register(new ErrorMappers.InvalidField());
      jersey.register(new ErrorMappers.Rejected());
      jersey.register(new ErrorMappers.WebApplication());
      jersey.register(new ErrorMappers.Unexpected());
      jersey.register(new PoliciesResource(controlPlane));
      jersey.register(new IdentitiesResource(controlPlane));
      jersey.register(new EndpointsResource(controlPlane));
      jersey.register(new NodesResource(controlPlane));
      jersey.register(new ServicesResource(controlPlane));
      jersey.register(new IpamResource(controlPlane));
      jersey.register(new ClusterResource(controlPlane));
      jersey.register(new HealthResource(controlPlane));
      jersey.register(new MetricsResource(registry));
      // Described from what was registered above, so that no route is left out of the document.
      resources = resourceClasses(jersey.getResourceConfig().getClasses(), jersey.getResourceConfig().getInstances());
      jersey.register(new OpenApiResource(resources));
      resources.add(OpenApiResource.class);
      env.healthChecks().register("control-plane", new HealthCheck() {
        @Override
        protected Result check() {
          var view = controlPlane.cluster();
          if (!view.replica().serving()) {
            return Result.unhealthy("replica " + view.replica().condition() + ": " + view.replica().reason());
          }
          return view.leader().isEmpty() ? Result.unhealthy("no leader") : Result.healthy("leader " + view.leader());
        }
      });
    }
  }
}
