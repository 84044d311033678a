/**
 * Pinned versions. Kafka 4.4.0 is the newest 4.x served by Maven Central here and runs on Java 17.
 * The official Cassandra binary tarball is not published to Maven Central, so Cassandra runs from
 * `cassandra-all` plus its runtime dependencies; 5.0.9 is the newest 5.0.x served.
 */
export const KAFKA_VERSION = '4.4.0';
export const KAFKA_SCALA = '2.13';
/** Kafka's release tarball ships this SLF4J→Log4j2 binding; the Maven artifacts do not. */
export const LOG4J_SLF4J_VERSION = '2.25.5';
export const CASSANDRA_VERSION = '5.0.9';
export const MAVEN_DEPENDENCY_PLUGIN = '3.6.1';
/**
 * The Prometheus JMX exporter, run as a Java agent in every broker and Cassandra node. 1.0.1 is the
 * newest `io.prometheus.jmx:jmx_prometheus_javaagent` that Maven Central serves here.
 */
export const JMX_EXPORTER_VERSION = '1.0.1';
