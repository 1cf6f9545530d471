import type { DragEvent } from 'react';
import { openDropped } from '../client/file-actions';
import { showView } from '../client/startup';
import { BackendBadge } from './BackendBadge';
import { ErrorBanner } from './ErrorBanner';
import { DatasetPanel } from './dataset/DatasetPanel';
import { ModelPanel } from './model/ModelPanel';
import { MoreModels } from './model/MoreModels';
import { StudioSteps } from './StudioSteps';
import { SettingsForm } from './training/SettingsForm';
import { TrainingControls } from './training/TrainingControls';
import { ChartsPanel } from './charts/ChartsPanel';
import { ExportPanel } from './export/ExportPanel';
import { SamplesPanel } from './samples/SamplesPanel';
import { LabellingPanel } from './labelling/LabellingPanel';
import { MappingDialog } from './dataset/MappingDialog';
import { SentimentDemo } from './sentiment/SentimentDemo';
import { RunBanners } from './runs/RunBanners';
import { RunsPanel } from './runs/RunsPanel';
import { useStore } from '../state/store';
import type { View } from '../state/session-slice';

const TABS: [view: View, label: string][] = [
  ['demo', 'Sentiment demo'],
  ['studio', 'Train on your data'],
];

/**
 * Layout only. The studio reads as its three steps: the model and the data on the left, and
 * Train with its key settings, the live charts and the results on the right, so that Train,
 * Stop, the status line and the loss and margin charts share the first screen while a run
 * trains. Files dropped anywhere are handled, so a missed drop never navigates away.
 */
export function App() {
  const view = useStore((s) => s.view);
  const benchResult = useStore((s) => s.benchResult);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    void openDropped(event.dataTransfer);
  };
  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <header className="app-header">
        <h1>DPO Studio</h1>
        <p className="tagline">Direct Preference Optimization in your browser. Nothing leaves this machine.</p>
        <BackendBadge />
      </header>
      <ErrorBanner />
      {benchResult && <pre data-testid="bench-result">{benchResult}</pre>}
      <RunBanners />
      <MappingDialog />
      <nav className="tabs" role="tablist" aria-label="Views">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={view === id}
            aria-controls={`panel-${id}`}
            onClick={() => showView(id)}
          >
            {label}
          </button>
        ))}
      </nav>
      <main className="app-main demo-main" role="tabpanel" id="panel-demo" aria-labelledby="tab-demo" hidden={view !== 'demo'}>
        <SentimentDemo />
      </main>
      <main className="app-main studio" role="tabpanel" id="panel-studio" aria-labelledby="tab-studio" hidden={view !== 'studio'}>
        <StudioSteps />
        <div className="studio-setup">
          <ModelPanel />
          <DatasetPanel />
          <LabellingPanel />
          <MoreModels />
        </div>
        <section className="studio-train" aria-label="Training">
          <TrainingControls />
          <SettingsForm />
          <div className="studio-results">
            <ChartsPanel />
            <SamplesPanel />
            <ExportPanel />
            <RunsPanel />
          </div>
        </section>
      </main>
    </div>
  );
}
