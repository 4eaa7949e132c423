package dev.mlops.core.batch;

import static java.util.Objects.requireNonNull;

import javax.sql.DataSource;
import org.springframework.batch.core.explore.JobExplorer;
import org.springframework.batch.core.explore.support.JobExplorerFactoryBean;
import org.springframework.batch.core.launch.support.TaskExecutorJobLauncher;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JobRepositoryFactoryBean;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Spring Batch wired by hand (no Spring context): a JDBC JobRepository in the metadata
 * PostgreSQL, its explorer and a synchronous launcher. One per process.
 */
public final class BatchRuntime {
    private final DataSource dataSource;
    private final JdbcTransactionManager transactionManager;
    private final JobRepository jobRepository;
    private final JobExplorer jobExplorer;
    private final TaskExecutorJobLauncher launcher;

    public BatchRuntime(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
        this.transactionManager = new JdbcTransactionManager(dataSource);
        try {
            JobRepositoryFactoryBean repo = new JobRepositoryFactoryBean();
            repo.setDataSource(dataSource);
            repo.setTransactionManager(transactionManager);
            repo.setDatabaseType("POSTGRES");
            repo.setIsolationLevelForCreate("ISOLATION_READ_COMMITTED");
            repo.afterPropertiesSet();
            this.jobRepository = repo.getObject();

            JobExplorerFactoryBean explorer = new JobExplorerFactoryBean();
            explorer.setDataSource(dataSource);
            explorer.setTransactionManager(transactionManager);
            explorer.afterPropertiesSet();
            this.jobExplorer = explorer.getObject();

            this.launcher = new TaskExecutorJobLauncher();
            launcher.setJobRepository(jobRepository);
            launcher.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up the Spring Batch job repository: " + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public PlatformTransactionManager transactionManager() {
        return transactionManager;
    }

    public JobRepository jobRepository() {
        return jobRepository;
    }

    public JobExplorer jobExplorer() {
        return jobExplorer;
    }

    public TaskExecutorJobLauncher launcher() {
        return launcher;
    }
}
